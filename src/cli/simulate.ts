// `sightline simulate`: serve a simulated camera fleet on loopback addresses (127.x.y.z) for demos, tests and the
// discovery benchmark. Runs until Ctrl-C.
import fs from 'node:fs';
import type { Command } from 'commander';

interface SimulateOptions {
  fleet?: string; devices?: string; base?: string; spread?: string; seed?: string; misbehaving?: string;
  list?: string; multicast?: boolean;
}

export function registerSimulateCommand(program: Command, fail: (e: unknown) => never): void {
  program.command('simulate')
    .description('serve a simulated fleet of cameras and recorders on loopback addresses (127.x.y.z) until Ctrl-C')
    .option('--fleet <file>', 'fleet file: {"devices": [{"address", "make", "behaviour"}…]} or {"devices": N, "base", "spread", "seed"}')
    .option('--devices <n>', 'number of devices to generate')
    .option('--base <address>', 'first address (default 127.1.0.1; must be in 127.0.0.0/8)')
    .option('--spread <n>', 'scatter the devices at random over this many addresses from --base (e.g. 65536)')
    .option('--seed <n>', 'seed: the same seed gives the same fleet (default 1)')
    .option('--misbehaving <fraction>', 'share of slow, stalled, silent, malformed and hostile devices (default 0.1)')
    .option('--list <file>', 'write the fleet (address, make, expected maker, behaviour) as JSON to this file once it is serving')
    .option('--multicast', 'also answer multicast WS-Discovery (only inside a network namespace)')
    .addHelpText('after', '\nDevice logins (ONVIF digest): SIGHTLINE_DEVICE_USER / SIGHTLINE_DEVICE_PASSWORD, default admin / simulated-Passw0rd.\nA large fleet needs one file descriptor per listener (about 4 per device): raise `ulimit -n` first.')
    .action(async (o: SimulateOptions) => {
      try {
        const { generateFleet, loadFleetFile } = await import('../../tools/simulator/fleet');
        const { startSimulator, DEFAULT_CREDENTIALS } = await import('../../tools/simulator/server');
        const { SIM_SNMP_COMMUNITY } = await import('../../tools/simulator/services');
        const num = (name: string, v: string | undefined) => {
          if (v === undefined) return undefined;
          const n = Number(v);
          if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number`);
          return n;
        };
        if (!o.fleet && !o.devices) throw new Error('give --devices N or --fleet FILE');
        const devices = o.fleet ? loadFleetFile(o.fleet) : generateFleet({
          devices: num('--devices', o.devices)!, base: o.base, spread: num('--spread', o.spread), seed: num('--seed', o.seed),
          misbehaving: num('--misbehaving', o.misbehaving),
        });
        const user = process.env.SIGHTLINE_DEVICE_USER, password = process.env.SIGHTLINE_DEVICE_PASSWORD;
        const sim = await startSimulator(devices, {
          credentials: user && password ? { username: user, password } : DEFAULT_CREDENTIALS,
          multicast: !!o.multicast, multicastInterface: o.multicast ? '127.0.0.1' : undefined,
        });
        if (o.list) {
          fs.writeFileSync(o.list, JSON.stringify(devices.map((d) => ({
            address: d.address, make: d.make, expectedOrigin: d.behaviour === 'silent' ? null : d.expectedOrigin, behaviour: d.behaviour, label: d.label, mac: d.mac,
          }))));
        }
        const first = devices[0]?.address, last = devices[devices.length - 1]?.address;
        process.stdout.write(`Simulating ${devices.length} devices on ${first} … ${last} (SNMP community for discover --snmp-community: ${SIM_SNMP_COMMUNITY}). Ctrl-C to stop.\nready\n`);
        const stop = async () => { await sim.close(); process.exit(0); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EMFILE') fail(new Error('out of file descriptors: raise `ulimit -n` (each device needs about 4) and try again'));
        if (code === 'EADDRNOTAVAIL') fail(new Error('cannot bind a simulated address: use addresses in 127.0.0.0/8 (Linux routes them all to lo)'));
        fail(e);
      }
    });
}
