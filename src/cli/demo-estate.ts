import type { OrgContext } from '../platform/context';
import { createSite } from '../modules/sites/service';
import { createNetwork } from '../modules/networks/service';
import { createSystem } from '../modules/systems/service';
import { createAsset } from '../modules/assets/service';

// A small, realistic council estate for demos and first impressions: sensitive and ordinary sites, a core
// network that should never carry cameras, and ~50 devices of mixed makes — some relabelled, as in real life.

/** Deterministic pseudo-random numbers, so every demo estate is the same. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

interface Make { manufacturer: string | null; model: string | null; firmware: string | null; oui: string | null; kind: string }

const MAKES: Make[] = [
  { manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', firmware: 'V5.7.3 build 220112', oui: '44:19:B6', kind: 'camera' },
  { manufacturer: 'Hikvision', model: 'DS-2DE4425IW-DE', firmware: 'V5.6.15 build 210615', oui: 'C0:56:E3', kind: 'camera' },
  { manufacturer: 'HIKVISION', model: 'DS-2CD2T47G2-L', firmware: 'V5.7.10 build 220804', oui: 'BC:AD:28', kind: 'camera' },
  { manufacturer: 'HiLook', model: 'IPC-B140H', firmware: 'V5.5.800 build 210628', oui: '4C:BD:8F', kind: 'camera' },
  { manufacturer: 'Dahua', model: 'IPC-HFW2431S-S-S2', firmware: '2.800.0000000.16.R', oui: '3C:EF:8C', kind: 'camera' },
  { manufacturer: 'Dahua Technology', model: 'DH-SD49225XA-HNR', firmware: '2.800.0000000.8.R', oui: '90:02:A9', kind: 'camera' },
  { manufacturer: 'Honeywell', model: 'HC30W45R3', firmware: '2.622.0000000.31.R', oui: 'E0:50:8B', kind: 'camera' },
  { manufacturer: 'Amcrest', model: 'IP8M-2496EW', firmware: '2.800.0000000.3.R', oui: '14:A7:8B', kind: 'camera' },
  { manufacturer: 'Uniview', model: 'IPC322LB-DSF28K-G', firmware: 'IPC_G6103-B0006P62D1908', oui: null, kind: 'camera' },
  { manufacturer: 'Axis', model: 'P3245-LVE', firmware: '10.12.114', oui: '00:40:8C', kind: 'camera' },
  { manufacturer: 'Axis Communications', model: 'Q6075-E', firmware: '11.3.57', oui: 'AC:CC:8E', kind: 'camera' },
  { manufacturer: 'AXIS', model: 'M3106-L Mk II', firmware: '9.80.3.8', oui: 'B8:A4:4F', kind: 'camera' },
  { manufacturer: 'Hanwha Vision', model: 'XNV-6080R', firmware: '2.21.02', oui: null, kind: 'camera' },
  { manufacturer: 'Bosch', model: 'FLEXIDOME IP 5000i', firmware: '7.80.0128', oui: null, kind: 'camera' },
  { manufacturer: null, model: null, firmware: null, oui: null, kind: 'camera' },
];

const RECORDERS: Make[] = [
  { manufacturer: 'Hikvision', model: 'DS-7616NI-K2', firmware: 'V4.30.085 build 200916', oui: '44:19:B6', kind: 'nvr' },
  { manufacturer: 'Dahua', model: 'NVR4216-16P-4KS2', firmware: '4.001.0000000.3.R', oui: '3C:EF:8C', kind: 'nvr' },
  { manufacturer: 'Dell', model: 'PowerEdge R450 (Milestone XProtect)', firmware: null, oui: null, kind: 'vms-server' },
  { manufacturer: 'Netgear', model: 'GS316EP', firmware: '1.0.4.4', oui: null, kind: 'switch' },
];

export async function seedDemoEstate(ctx: OrgContext) {
  const rand = prng(20221124);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const hex = () => Math.floor(rand() * 256).toString(16).padStart(2, '0').toUpperCase();

  const site = async (name: string, siteType: string, postcode: string, extra: Record<string, unknown> = {}) =>
    createSite(ctx, { name, siteType, postcode, address: `${name}, Northam`, ...extra });
  const civic = await site('Civic Centre', 'office', 'NM1 1AA', { sensitive: true, sensitiveReason: 'Council chamber and the corporate data centre', latitude: 52.2405, longitude: -0.9027 });
  const police = await site('Northam Police and Council Hub', 'police', 'NM1 2PQ', { sensitive: true, sensitiveReason: 'Shared with the police; custody suite and case files' });
  const square = await site('Market Square', 'public-space', 'NM1 3MS', { latitude: 52.2391, longitude: -0.8984 });
  const depot = await site('Riverside Depot', 'depot', 'NM4 7RD');
  const school = await site('St Anne’s Primary School', 'school', 'NM3 5SA');
  const carPark = await site('Greyfriars Multi-storey Car Park', 'car-park', 'NM1 4GF');
  const leisure = await site('Northam Leisure Centre', 'leisure', 'NM2 8LC');

  const core = await createNetwork(ctx, { name: 'Corporate LAN', kind: 'core', cidrs: ['10.10.0.0/16'], siteIds: [civic.id, police.id, depot.id, leisure.id] });
  const cctv = await createNetwork(ctx, { name: 'CCTV VLAN', kind: 'isolated', cidrs: ['10.20.0.0/16'], siteIds: [civic.id, police.id, square.id, carPark.id, depot.id] });
  const wireless = await createNetwork(ctx, { name: 'Town centre wireless backhaul', kind: 'internet-facing', cidrs: ['172.16.40.0/24'], siteIds: [square.id, carPark.id] });
  const schoolNet = await createNetwork(ctx, { name: 'School CCTV (standalone)', kind: 'standalone', cidrs: ['192.168.50.0/24'], siteIds: [school.id] });

  const town = await createSystem(ctx, { name: 'Town centre public-space CCTV', purpose: 'Prevention and detection of crime and disorder in the town centre; supporting the police and emergency services.', owner: 'Head of Community Safety', operator: 'Northam CCTV Control Room', retentionDays: 31, siteIds: [square.id, carPark.id] });
  const civicSys = await createSystem(ctx, { name: 'Civic buildings CCTV', purpose: 'Security of council buildings, staff and visitors.', owner: 'Facilities Manager', operator: 'Facilities team', retentionDays: 30, siteIds: [civic.id, police.id, leisure.id] });
  const depotSys = await createSystem(ctx, { name: 'Depot yard and ANPR', purpose: 'Security of vehicles and materials; vehicle access control.', owner: 'Fleet Manager', operator: null, retentionDays: 90, siteIds: [depot.id] });
  const schoolSys = await createSystem(ctx, { name: 'School site CCTV', purpose: 'Safeguarding pupils and security of the school site out of hours.', owner: 'Head teacher', operator: 'School business manager', retentionDays: 14, siteIds: [school.id] });

  const placements = [
    { site: civic, net: cctv, sys: civicSys, n: 9, subnet: '10.20.1', where: ['Main entrance', 'Reception', 'Council chamber lobby', 'Data centre door', 'Staff car park', 'Loading bay', 'Rear fire exit', 'Stairwell 2', 'Post room'] },
    { site: civic, net: core, sys: civicSys, n: 2, subnet: '10.10.5', where: ['IT corridor', 'Server room'] },
    { site: police, net: cctv, sys: civicSys, n: 6, subnet: '10.20.2', where: ['Custody entrance', 'Public counter', 'Yard gate', 'Evidence store', 'Front elevation', 'Cell corridor'] },
    { site: square, net: wireless, sys: town, n: 10, subnet: '172.16.40', where: ['Column 1 north', 'Column 2 fountain', 'Column 3 bus stops', 'Market hall corner', 'High Street junction', 'Bridge Street', 'Taxi rank', 'War memorial', 'Column 9 east', 'Church Lane'] },
    { site: carPark, net: cctv, sys: town, n: 6, subnet: '10.20.4', where: ['Level 1 entry', 'Level 2 ramp', 'Level 3 stairs', 'Pay machines', 'Exit barrier', 'Roof level'] },
    { site: depot, net: cctv, sys: depotSys, n: 5, subnet: '10.20.5', where: ['Gate ANPR', 'Fuel bay', 'Salt barn', 'Workshop door', 'Yard east'] },
    { site: school, net: schoolNet, sys: schoolSys, n: 5, subnet: '192.168.50', where: ['Playground', 'Main gate', 'Reception', 'Bike shed', 'Car park'] },
    { site: leisure, net: core, sys: civicSys, n: 3, subnet: '10.10.8', where: ['Pool entrance', 'Car park', 'Reception'] },
  ];

  let serial = 1000;
  const addDevice = async (m: Make, p: (typeof placements)[number], where: string, host: number) => {
    const year = 2016 + Math.floor(rand() * 8);
    const installDate = `${year}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
    const status = rand() < 0.08 ? 'faulty' : rand() < 0.06 ? 'replacement-planned' : 'in-service';
    await createAsset(ctx, {
      kind: m.kind, manufacturer: m.manufacturer, model: m.model, firmware: m.firmware,
      serial: m.manufacturer ? `${m.manufacturer.slice(0, 3).toUpperCase()}${year}${serial++}` : null,
      mac: m.oui ? `${m.oui}:${hex()}:${hex()}:${hex()}` : null, ip: `${p.subnet}.${host}`,
      siteId: p.site.id, networkId: p.net.id, systemId: p.sys.id, installDate,
      warrantyEnd: `${year + 5}${installDate.slice(4)}`, status, location: where,
    });
  };
  for (const p of placements) {
    for (let i = 0; i < p.n; i++) await addDevice(pick(MAKES), p, p.where[i], 20 + i);
  }
  await addDevice(RECORDERS[0], placements[0], 'Comms room rack A', 10);
  await addDevice(RECORDERS[1], placements[3], 'Control room', 10);
  await addDevice(RECORDERS[2], placements[2], 'Custody comms cupboard', 10);
  await addDevice(RECORDERS[3], placements[4], 'Level 1 plant room', 2);
}
