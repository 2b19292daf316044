// The upload page: the dry run is public, the commit sends the partner's key. No library:
// a form, two requests to /partners/{P}/uploads, and the answer as a sentence and a table.
(function () {
  "use strict";
  const form = document.getElementById("contribute");
  const confirmButton = document.getElementById("confirm");
  const summary = document.getElementById("summary");
  const table = document.getElementById("errors");
  const lang = form.dataset.lang;

  function words(template, report) {
    return template.replace(/\{(\w+)\}/g, (_, name) => String(report[name] ?? ""));
  }

  function show(report, committed) {
    const body = table.querySelector("tbody");
    body.replaceChildren();
    const errors = report.errors || [];
    for (const error of errors) {
      const row = body.insertRow();
      row.insertCell().textContent = error.line ?? "";
      row.insertCell().textContent = error.column ?? "";
      row.insertCell().textContent = error.message;
    }
    table.hidden = errors.length === 0;
    if (errors.length) {
      summary.textContent = report.detail || form.dataset.failed;
    } else if (report.unchanged) {
      summary.textContent = words(form.dataset.unchanged, report);
    } else {
      summary.textContent = words(committed ? form.dataset.done : form.dataset.ok, report);
    }
    confirmButton.disabled = committed || errors.length > 0 || Boolean(report.unchanged);
  }

  async function send(dry) {
    const data = new FormData();
    data.append("kind", form.elements.kind.value);
    data.append("file", form.elements.file.files[0]);
    const partner = encodeURIComponent(form.elements.partner.value.trim());
    const url = `/partners/${partner}/uploads?lang=${lang}${dry ? "&dry_run=true" : ""}`;
    const headers = dry ? {} : { Authorization: `Bearer ${form.elements.key.value.trim()}` };
    summary.textContent = "…";
    const response = await fetch(url, { method: "POST", body: data, headers });
    const report = await response.json();
    if (!response.ok && !report.errors) {
      report.errors = [{ line: null, column: null, message: report.detail || report.title }];
    }
    show(report, !dry && response.ok);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(true).catch((problem) => { summary.textContent = String(problem); });
  });
  form.elements.file.addEventListener("change", () => { confirmButton.disabled = true; });
  confirmButton.addEventListener("click", () => {
    send(false).catch((problem) => { summary.textContent = String(problem); });
  });
})();
