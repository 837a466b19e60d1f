// How far an offer is from where the child should live: straight-line miles between two postcode districts'
// centroids. The centroids (data/outcodes.json, district -> [latitude, longitude] to 3 decimals, about 100 m) are
// the mean position of each district's postcodes in the ONS National Statistics Postcode Lookup (May 2025),
// as published per postcode by ODI Leeds' Postcodes2LatLon. Source: Office for National Statistics licensed under
// the Open Government Licence v3.0; contains OS data © Crown copyright and database right 2025; contains Royal
// Mail data © Royal Mail copyright and database right 2025; contains GeoPlace data © Local Government Information
// House Limited copyright and database right 2025. Great Britain only: Northern Ireland's (BT) coordinates carry
// Land & Property Services' own licence, not the OGL, so they are left out and a BT district has no distance.
// A district is a coarse place (a few miles across in towns, more in the country), so a distance is rounded to
// the mile and is a guide, never a route.
import centroids from "./data/outcodes.json" with { type: "json" };
import { POSTCODE_DISTRICT } from "./referral-input.js";

const CENTROIDS = centroids as unknown as Record<string, [number, number] | undefined>;
const EARTH_RADIUS_MILES = 3958.8;

/** A district's centroid [latitude, longitude], or null for a district the dataset does not hold. */
export function districtCentroid(district: string): [number, number] | null {
  const d = district.trim().toUpperCase();
  if (!POSTCODE_DISTRICT.test(d)) return null;
  return Object.hasOwn(CENTROIDS, d) ? (CENTROIDS[d] ?? null) : null;
}

/** Great-circle distance in miles between two [latitude, longitude] points (haversine). */
export function haversineMiles([lat1, lon1]: [number, number], [lat2, lon2]: [number, number]): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const h =
    Math.sin(rad(lat2 - lat1) / 2) ** 2 +
    Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * EARTH_RADIUS_MILES * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Whole miles between two postcode districts' centroids, or null when either is not a known district. */
export function districtMiles(from: string, to: string): number | null {
  const a = districtCentroid(from);
  const b = districtCentroid(to);
  return a && b ? Math.round(haversineMiles(a, b)) : null;
}
