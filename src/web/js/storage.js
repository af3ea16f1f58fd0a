// The browser's storage, or this page's memory when it is unavailable (a private window, storage
// turned off, a full quota): the page keeps working and only forgets on reload. What this page
// wrote is also kept in memory, so a write the browser refused still reads back.

const memory = new Map();

export function load(name) {
  if (memory.has(name)) return memory.get(name);
  try {
    return localStorage.getItem(name);
  } catch {
    return null;
  }
}

export function store(name, value) {
  memory.set(name, value);
  try {
    localStorage.setItem(name, value);
  } catch {
    // Kept in memory only.
  }
}

export function remove(name) {
  memory.set(name, null);
  try {
    localStorage.removeItem(name);
  } catch {
    // Nothing could have been stored there.
  }
}
