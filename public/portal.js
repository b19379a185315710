// Progressive enhancement only: every page works without JavaScript.
import { initAll } from '/assets/govuk-frontend.min.js';

// GOV.UK Frontend's conditional reveals set aria-expanded on the radio (or checkbox) that reveals a follow-up
// question. ARIA does not allow that attribute on those roles (axe: aria-allowed-attr; alphagov/govuk-frontend#979),
// so it is taken off again whenever it is set. aria-controls stays, and the revealed question follows its answer.
const REVEALERS = 'input[type="radio"][aria-expanded], input[type="checkbox"][aria-expanded]';
new MutationObserver((records) => {
  for (const { target } of records) if (target instanceof HTMLInputElement && target.matches(REVEALERS)) target.removeAttribute('aria-expanded');
}).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['aria-expanded'] });

initAll();

// Stop a double click from sending a form twice (the server also refuses duplicates).
for (const form of document.querySelectorAll('form[method="post"]')) {
  form.addEventListener('submit', (event) => {
    if (form.dataset.submitted) event.preventDefault();
    form.dataset.submitted = 'true';
  });
}
