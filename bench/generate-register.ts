// Writes a realistic council CCTV register as CSV: the kind of spreadsheet the importer has to take in.
// Makes spelt many ways (Hikvision / HIKVISION / Hik Vision / hikvison…), Dahua kit relabelled as Honeywell, Lorex
// and Amcrest, Axis, Hanwha, Bosch and unknowns; MACs in four formats with the real OUIs of those makers; UK
// day-first dates as text; several hundred sites (with the usual case and spacing drift); unique serials and
// addresses in 10.0.0.0/8 (data only: nothing is ever contacted).
//
//   node bin/run-ts.mjs bench/generate-register.ts [--rows 1000000] [--sites 400] [--out bench/out/register-1000000.csv] [--seed 1]
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';

const args = Object.fromEntries(process.argv.slice(2).reduce<[string, string][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));

/** The headings a council spreadsheet typically has (not Sightline's own). */
export const REGISTER_HEADINGS = ['Asset Type', 'Make', 'Model', 'Serial Number', 'MAC Address', 'IP Address', 'Firmware Version', 'Building', 'Status', 'Install Date', 'Notes'];

interface Family { weight: number; labels: string[]; ouis: string[]; cameras: string[]; recorders: string[]; firmware: string[]; serial: string }

/** Who really made the kit, the names it is labelled with, and the IEEE OUIs it carries (from the IEEE registry). */
const FAMILIES: Family[] = [
  { weight: 30, labels: ['Hikvision', 'HIKVISION', 'Hik Vision', 'hikvison', 'HikVision', 'Hik-Vision', 'Hikvision Digital Technology'], ouis: ['4419B6', 'C056E3', 'BCAD28', '188025', '849459'],
    cameras: ['DS-2CD2143G2-I', 'DS-2CD2387G2-LU', 'DS-2CD2T47G2-L', 'DS-2DE4425IW-DE'], recorders: ['DS-7616NI-K2', 'DS-7732NI-I4'], firmware: ['V5.7.3 build 220112', 'V5.5.800 build 210628', 'V4.1.25'], serial: 'DS' },
  { weight: 4, labels: ['HiLook', 'HILOOK'], ouis: ['4419B6', 'C056E3'], cameras: ['IPC-B140H', 'IPC-T240H'], recorders: ['NVR-108MH-C'], firmware: ['V5.5.0 build 200601'], serial: 'HL' },
  { weight: 16, labels: ['Dahua', 'DAHUA', 'Dahua Technology', 'dahua '], ouis: ['3CEF8C', 'E0508B', '08EDED', '14A78B'],
    cameras: ['IPC-HDW2431T-AS-S2', 'IPC-HFW2831S-S-S2', 'SD49425XB-HNR'], recorders: ['NVR4216-16P-4KS2', 'NVR5232-4KS2'], firmware: ['V2.800.0000000.25.R', 'V2.820.0000000.7.R'], serial: 'DH' },
  // Dahua-made, sold under other names; some keep Dahua's MAC prefix, some carry the relabeller's own.
  { weight: 5, labels: ['Honeywell', 'HONEYWELL', 'Honeywell Performance'], ouis: ['3CEF8C', '00226A'], cameras: ['HC30W45R3', 'HC35W48R3'], recorders: ['HN35160200'], firmware: ['V2.622.0000000.18.R'], serial: 'HW' },
  { weight: 4, labels: ['Lorex', 'LOREX'], ouis: ['001F54', 'E0508B'], cameras: ['LNB8921BW', 'E892AB'], recorders: ['N862A6'], firmware: ['V2.800.00LR002.0.R'], serial: 'LX' },
  { weight: 3, labels: ['Amcrest', 'amcrest'], ouis: ['9C8ECD', '3CEF8C'], cameras: ['IP8M-2496EB', 'IP5M-T1179EW'], recorders: ['NV4108E-HS'], firmware: ['V2.800.00AC006.0.R'], serial: 'AM' },
  { weight: 14, labels: ['Axis', 'AXIS', 'Axis Communications', 'axis'], ouis: ['00408C', 'ACCC8E', 'B8A44F'], cameras: ['P3245-LVE', 'M3106-L Mk II', 'Q6135-LE'], recorders: ['S3008'], firmware: ['10.12.182', '11.4.63', '9.80.3.8'], serial: 'AX' },
  { weight: 9, labels: ['Hanwha', 'Hanwha Vision', 'Samsung Techwin', 'Wisenet', 'HANWHA'], ouis: ['000918', 'E43022'], cameras: ['XNV-6080R', 'QNO-6012R', 'XND-8081RV'], recorders: ['XRN-820S'], firmware: ['2.21.02_20230309', '1.41.01'], serial: 'HN' },
  { weight: 6, labels: ['Bosch', 'BOSCH', 'Bosch Security'], ouis: ['000463'], cameras: ['FLEXIDOME IP 5000i', 'DINION IP 3000i', 'AUTODOME IP 5000i'], recorders: ['DIVAR IP 3000'], firmware: ['7.80.0128', '8.40.0029'], serial: 'BO' },
  { weight: 9, labels: ['', 'Unknown', 'Generic', 'unbranded', 'CCTV Supplies Ltd', 'N/A'], ouis: [], cameras: ['Dome 4MP', 'Bullet 2MP', ''], recorders: ['16ch NVR'], firmware: [''], serial: 'UN' },
];

const TOWNS = ['Ashford', 'Barnsley', 'Bedford', 'Bolton', 'Bury', 'Carlisle', 'Chester', 'Colchester', 'Crawley', 'Derby', 'Dover', 'Durham', 'Exeter', 'Gateshead',
  'Gloucester', 'Harlow', 'Hastings', 'Ipswich', 'Kendal', 'Lancaster', 'Luton', 'Margate', 'Newark', 'Norwich', 'Oldham', 'Penrith', 'Preston', 'Reading', 'Rugby',
  'Salford', 'Stafford', 'Swindon', 'Taunton', 'Telford', 'Wakefield', 'Watford', 'Wigan', 'Worthing', 'Yeovil', 'York'];
const PLACES = ['Town Hall', 'Library', 'Leisure Centre', 'Depot', 'Civic Centre', 'Bus Station', 'Multi-storey Car Park', 'Market Hall', 'Crematorium', 'Museum', 'Park', 'Housing Office'];
const STATUSES = ['In service', 'In service', 'In service', 'in service', 'Live', 'Faulty', 'faulty', 'Removed', 'Replacement planned'];
const NOTES = ['', '', '', '', '', 'Replaced lens, 2023', 'Covers the "north" gate, see plan', 'PTZ; patrol every 5 min', 'Owned by the police, maintained by us', 'Vandalised – re-sited', 'IR cut filter fault, see ticket #4411'];

function rng(seed: number) { return () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32); }
const pick = <T>(r: () => number, xs: T[]) => xs[Math.floor(r() * xs.length)];

/** The four ways MACs are written in registers. */
function formatMac(hex12: string, style: number): string {
  const pairs = hex12.match(/../g)!;
  switch (style) {
    case 0: return pairs.join(':');
    case 1: return pairs.join('-').toLowerCase();
    case 2: return `${hex12.slice(0, 4)}.${hex12.slice(4, 8)}.${hex12.slice(8)}`.toLowerCase();
    default: return hex12;
  }
}

/** UK day-first dates, written the ways people type them. */
function formatDate(d: Date, style: number): string {
  const dd = String(d.getUTCDate()).padStart(2, '0');
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const yyyy = d.getUTCFullYear();
  switch (style) {
    case 0: return `${dd}/${mm}/${yyyy}`;
    case 1: return `${d.getUTCDate()}/${d.getUTCMonth() + 1}/${yyyy}`;
    case 2: return `${dd}-${mm}-${yyyy}`;
    case 3: return `${dd}.${mm}.${yyyy}`;
    default: return `${yyyy}-${mm}-${dd}`;
  }
}

export function siteNames(n: number): string[] {
  const names: string[] = [];
  for (let i = 0; names.length < n; i++) {
    const town = TOWNS[i % TOWNS.length];
    const place = PLACES[Math.floor(i / TOWNS.length) % PLACES.length];
    const round = Math.floor(i / (TOWNS.length * PLACES.length));
    names.push(round ? `${town} ${place} ${round + 1}` : `${town} ${place}`);
  }
  return names;
}

/** Rows of the register as arrays in REGISTER_HEADINGS order. Deterministic for a seed. */
export function* registerRows(rows: number, sites: number, seed = 1): Generator<string[]> {
  const r = rng(seed);
  const names = siteNames(sites);
  const total = FAMILIES.reduce((s, f) => s + f.weight, 0);
  const macCounters = new Map<string, number>();
  const epoch = Date.UTC(2012, 0, 1);
  for (let i = 0; i < rows; i++) {
    let w = r() * total;
    const fam = FAMILIES.find((f) => (w -= f.weight) < 0) ?? FAMILIES[0];
    const recorder = r() < 0.06;
    const model = pick(r, recorder ? fam.recorders : fam.cameras);
    const kind = recorder ? pick(r, ['NVR', 'nvr', 'Recorder (NVR)'].slice(0, 2)) : pick(r, ['Camera', 'camera', 'CAMERA']);
    let mac = '';
    if (fam.ouis.length && r() < 0.92) {
      const oui = pick(r, fam.ouis);
      const n = (macCounters.get(oui) ?? 0) + 1; // sequential device part: unique within the file
      macCounters.set(oui, n);
      mac = formatMac(oui + n.toString(16).toUpperCase().padStart(6, '0'), Math.floor(r() * 4));
    }
    const ip = r() < 0.9 ? `10.${Math.floor(i / 64516) % 256}.${(Math.floor(i / 254) % 254) + 1}.${(i % 254) + 1}` : ''; // unique, never .0 or .255
    const site = pick(r, names);
    const drift = r();
    const building = drift < 0.05 ? site.toUpperCase() : drift < 0.1 ? ` ${site.toLowerCase()} ` : site;
    const installed = r() < 0.85 ? formatDate(new Date(epoch + Math.floor(r() * 4000) * 86_400_000), Math.floor(r() * 5)) : '';
    yield [kind, pick(r, fam.labels), model, `${fam.serial}${(i + 1).toString(36).toUpperCase().padStart(8, '0')}`, mac, ip, pick(r, fam.firmware), building, pick(r, STATUSES), installed, pick(r, NOTES)];
  }
}

export async function writeRegister(file: string, rows: number, sites: number, seed = 1): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = fs.createWriteStream(file);
  const csv = stringify({ record_delimiter: 'windows' });
  csv.pipe(out);
  csv.write(REGISTER_HEADINGS);
  for (const row of registerRows(rows, sites, seed)) if (!csv.write(row)) await once(csv, 'drain');
  csv.end();
  await once(out, 'finish');
}

if (process.argv[1] && /generate-register\.ts$/.test(process.argv[1])) {
  const rows = Number(args.rows ?? 1_000_000);
  const sites = Number(args.sites ?? 400);
  const file = args.out ?? path.join('bench', 'out', `register-${rows}.csv`);
  const t = Date.now();
  await writeRegister(file, rows, sites, Number(args.seed ?? 1));
  console.log(`Wrote ${rows.toLocaleString('en-GB')} rows over ${sites} sites to ${file} (${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MiB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
