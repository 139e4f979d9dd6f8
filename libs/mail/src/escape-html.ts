const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for an HTML body or a double-quoted attribute: a display name or a tenant name in a template must
 * not become markup (a phishing link in someone's invitation).
 *
 * @example `<a href="${escapeHtml(link)}">${escapeHtml(name)}</a>`
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}
