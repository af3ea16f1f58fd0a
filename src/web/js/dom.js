// Small DOM helpers shared by the page's modules.

export const $ = (id) => document.getElementById(id);

/**
 * Marks a button unusable with aria-disabled rather than `disabled`: it keeps the keyboard focus
 * (a disabled button drops it to the page's start) and is announced as unavailable. Its click
 * handler checks isUnavailable.
 */
export function setUnavailable(button, unavailable) {
  button.setAttribute('aria-disabled', String(unavailable));
}

export const isUnavailable = (button) => button.getAttribute('aria-disabled') === 'true';
