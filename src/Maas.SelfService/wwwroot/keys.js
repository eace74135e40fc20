// The copy button of /keys: shown only when this script runs (without it the key stays selectable
// in its read-only field), writes the key to the clipboard and says so to screen readers.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy-target]")) {
    const field = document.getElementById(button.dataset.copyTarget);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!field || !status) {
      continue;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = "Copied to the clipboard.";
      } catch {
        field.focus();
        field.select();
        status.textContent = "The browser did not allow copying: the key is selected, press Ctrl+C (⌘C on a Mac).";
      }
    });
  }
});
