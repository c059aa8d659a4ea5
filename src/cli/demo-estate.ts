import type { OrgContext } from '../platform/context';
import { createSite } from '../modules/sites/service';

export async function seedDemoEstate(ctx: OrgContext) {
  await createSite(ctx, { name: 'Civic Centre', address: '1 High Street, Northam', postcode: 'NM1 1AA', sensitive: true, sensitiveReason: 'Council chamber and corporate data centre', siteType: 'office', latitude: 52.2405, longitude: -0.9027 });
}
