/* The SKA matrix of a plan (one table per perspective) and the report downloads. */
"use strict";

(async () => {
  const A = Analyst;
  const $ = (id) => document.getElementById(id);
  const site = await A.getJSON("/api/analyst/meta");
  A.fillSelect($("an-scenario"), site.scenarios.map((s) => [s, s]), site.scenarios[0]);

  async function load() {
    if (!$("an-scenario").value) return;
    const data = await A.getJSON(`/api/analyst/compare/${encodeURIComponent($("an-scenario").value)}/ska`);
    $("an-level").textContent = A.t("web_analyst.ska_level", { level: data.complexity[0], why: data.complexity[1] });
    const holder = $("an-matrices");
    holder.replaceChildren();
    for (const perspective of data.perspectives) {
      const table = document.createElement("table");
      table.className = "an-table an-ska";
      const caption = document.createElement("caption");
      caption.textContent = A.t("web_analyst.ska_perspective", { name: perspective.label });
      const head = document.createElement("tr");
      const corner = document.createElement("th");
      corner.scope = "col"; corner.textContent = A.t("web_analyst.ska_aspect");
      head.append(corner);
      for (const scale of data.scales) { const th = document.createElement("th"); th.scope = "col"; th.textContent = scale.label; head.append(th); }
      const thead = document.createElement("thead"); thead.append(head);
      const tbody = document.createElement("tbody");
      for (const aspect of data.aspects) {
        const tr = document.createElement("tr");
        const th = document.createElement("th"); th.scope = "row"; th.textContent = aspect.label; tr.append(th);
        for (const scale of data.scales) {
          const cell = data.cells.find((c) => c.aspect === aspect.key && c.scale === scale.key && c.perspective === perspective.key);
          const td = document.createElement("td");
          td.textContent = cell ? cell.verdict : "";
          td.className = "an-verdict v-" + (cell ? { "+": "plus", "−": "minus", "±": "both", "0": "zero", "?": "unknown" }[cell.verdict] || "own" : "own");
          if (cell && cell.evidence) td.title = cell.evidence;
          tr.append(td);
        }
        tbody.append(tr);
      }
      table.append(caption, thead, tbody);
      holder.append(table);
    }
  }
  for (const link of document.querySelectorAll(".an-report-link")) {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      for (;;) {
        const response = await fetch(link.href);
        if (response.status === 202) {
          const body = await response.json();
          $("an-report-status").textContent = body.message;
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        if (!response.ok) {
          const body = await response.json().catch(() => ({ detail: response.statusText }));
          $("an-report-status").textContent = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
          return;
        }
        $("an-report-status").textContent = "";
        window.location.href = link.href;
        return;
      }
    });
  }
  $("an-scenario").addEventListener("change", () => { load().catch(() => {}); });
  await load();
})();
