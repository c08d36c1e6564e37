/** What Webflow accepts as an item slug (third-party regex; Webflow's own rules are unpublished). */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * A slug from a name: accents dropped, lowercase, runs of anything outside [a-z0-9] become one
 * `-`, no leading or trailing `-`. Deterministic, so a record always maps to the same slug and
 * `match` on `slug` finds it again; two records with the same name collide (a per-record error).
 */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 200)
    .replace(/-+$/g, '');
  return slug || 'item';
}
