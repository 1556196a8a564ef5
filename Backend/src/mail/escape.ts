const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch]!);
}

/** Plain-text parts: no markup, but no control characters (CR/LF tricks) from user input either. */
export function plainText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}
