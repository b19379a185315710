// Progressive enhancement only: every page works without JavaScript.
import { initAll } from '/assets/govuk-frontend.min.js';

initAll();

// Stop a double click from sending a form twice (the server also refuses duplicates).
for (const form of document.querySelectorAll('form[method="post"]')) {
  form.addEventListener('submit', (event) => {
    if (form.dataset.submitted) event.preventDefault();
    form.dataset.submitted = 'true';
  });
}
