import type { Theme } from "@parley/shared";

const STORAGE_KEY = "parley.theme";

/**
 * Puts a theme on the document: light and dark are forced through `data-theme` on <html>
 * (see styles.css), system follows the operating system's preference. The choice is also kept
 * in localStorage, so the next visit starts in the right colours before the settings load.
 */
export function applyTheme(theme: Theme) {
  const root = document.documentElement;
  if (theme === "system") {
    delete root.dataset.theme;
  } else {
    root.dataset.theme = theme;
  }
  try {
    localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Storage can be unavailable (private mode, quota); the theme still applies for this visit.
  }
}

function storedTheme(): Theme | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === "light" || value === "dark" || value === "system" ? value : null;
  } catch {
    return null;
  }
}

// At load, before the settings arrive, so a dark page does not flash light.
const initial = storedTheme();
if (initial) applyTheme(initial);
