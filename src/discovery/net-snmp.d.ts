// The part of net-snmp (no bundled types) that discovery and the simulator use.
declare module 'net-snmp' {
  export interface Varbind { oid: string; type: number; value: unknown }
  export interface Session {
    get(oids: string[], cb: (error: Error | null, varbinds: Varbind[]) => void): void;
    close(): void;
    on(event: 'error', cb: (e: Error) => void): void;
  }
  export const Version1: number;
  export const Version2c: number;
  export function createSession(target: string, community: string, options?: { port?: number; retries?: number; timeout?: number; version?: number; transport?: 'udp4' }): Session;
  export function isVarbindError(v: Varbind): boolean;
  export function varbindError(v: Varbind): string;
  export const ObjectType: Record<string, number>;
  export const MibProviderType: { Scalar: number; Table: number };
  export const MaxAccess: Record<string, number>;
  export interface Mib {
    registerProvider(p: { name: string; type: number; oid: string; scalarType: number; maxAccess: number }): void;
    setScalarValue(name: string, value: unknown): void;
  }
  export interface Agent {
    getAuthorizer(): { addCommunity(c: string): void };
    getMib(): Mib;
    close(cb?: () => void): void;
  }
  export function createAgent(options: { port?: number; address?: string | null; disableAuthorization?: boolean; transport?: 'udp4' },
    callback: (error: Error | null, data: unknown) => void): Agent;
}
