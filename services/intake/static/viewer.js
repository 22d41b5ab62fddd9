// The viewer page: wires the forms to the API and the renderers.

import { ApiError, apiKey, articleContent, articleStatus, searchEvents, setApiKey, submitArticle } from "./api.js";
import { renderArticle, renderDetails, renderLegend, renderTable, renderTimeline } from "./render.js";

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

const state = { offset: 0, total: 0, knownIds: new Set(), polling: 0 };

function setStatus(message, kind = "") {
  const status = $("status");
  status.textContent = message;
  status.className = kind;
}

function showKeyState() {
  $("key-state").textContent = apiKey() ? "key set for this tab" : "no key: nothing can be loaded";
}

function remember(id) {
  if (state.knownIds.has(id)) return;
  state.knownIds.add(id);
  const option = document.createElement("option");
  option.value = id;
  $("known-ids").append(option);
}

function failed(error) {
  const message = error instanceof ApiError ? `${error.status}: ${error.message}` : String(error);
  setStatus(message, "error");
}

// Show a done article: its text with the result's spans, and its events in the table.
async function showArticle(id, result) {
  const article = await articleContent(id);
  const meta = [article.title, article.source, article.published_at].filter(Boolean).join(" · ");
  $("article-meta").textContent = `${article.id}${meta ? ` — ${meta}` : ""} — ${result.events.length} events`;
  renderLegend($("legend"), result);
  renderArticle($("article-text-view"), article.text, result, (spans) => {
    const events = [...new Set(spans.map((span) => span.event))];
    renderDetails($("details"), result, events);
  });
  $("details").replaceChildren();
  $("article-panel").dataset.articleId = article.id;
  remember(article.id);
  $("filter-article").value = article.id;
  state.offset = 0;
  await loadEvents();
}

// Poll the article until it is done or failed, showing its status as it changes.
async function follow(id) {
  const ticket = ++state.polling;
  for (;;) {
    if (ticket !== state.polling) return; // another article was opened meanwhile
    const answer = await articleStatus(id);
    setStatus(`${id}: ${answer.status}${answer.error ? ` (${answer.error})` : ""}`, answer.status);
    if (answer.status === "done") {
      await showArticle(id, answer.result);
      return;
    }
    if (answer.status === "failed") return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function readArticleForm() {
  const article = { text: $("article-text").value };
  const optional = {
    id: $("article-id").value.trim(),
    title: $("article-title").value.trim(),
    published_at: $("article-published").value,
    source: $("article-source").value.trim(),
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value) article[name] = value;
  }
  return article;
}

async function onSubmit(submitEvent) {
  submitEvent.preventDefault();
  try {
    setStatus("submitting…");
    const answer = await submitArticle(readArticleForm());
    const entry = answer.articles[0];
    remember(entry.id);
    $("open-id").value = entry.id;
    await follow(entry.duplicate_of || entry.id);
  } catch (error) {
    failed(error);
  }
}

async function onOpen(id) {
  if (!id) return;
  try {
    $("open-id").value = id;
    await follow(id);
  } catch (error) {
    failed(error);
  }
}

function filters() {
  return {
    type: $("filter-type").value.trim(),
    plover_type: $("filter-plover").value.trim(),
    date_from: $("filter-from").value,
    date_to: $("filter-to").value,
    article_id: $("filter-article").value.trim(),
    limit: $("filter-limit").value,
    offset: state.offset,
  };
}

async function loadEvents() {
  try {
    const page = await searchEvents(filters());
    state.total = page.total;
    renderTable($("events-table").tBodies[0], page, onOpen);
    renderTimeline($("timeline"), page);
    page.items.forEach((item) => remember(item.article_id));
    const last = Math.min(page.offset + page.items.length, page.total);
    $("page-info").textContent = page.total
      ? `${page.offset + 1}–${last} of ${page.total}`
      : "no events match";
    $("events-table").dataset.total = String(page.total);
    $("page-prev").disabled = page.offset === 0;
    $("page-next").disabled = last >= page.total;
  } catch (error) {
    failed(error);
  }
}

function wire() {
  $("key-form").addEventListener("submit", (formEvent) => {
    formEvent.preventDefault();
    setApiKey($("api-key").value.trim());
    $("api-key").value = "";
    showKeyState();
    loadEvents();
  });
  $("key-forget").addEventListener("click", () => {
    setApiKey("");
    showKeyState();
  });
  $("submit-form").addEventListener("submit", onSubmit);
  $("open-form").addEventListener("submit", (formEvent) => {
    formEvent.preventDefault();
    onOpen($("open-id").value.trim());
  });
  $("article-file").addEventListener("change", async () => {
    const file = $("article-file").files[0];
    if (file) $("article-text").value = await file.text();
  });
  $("filter-form").addEventListener("submit", (formEvent) => {
    formEvent.preventDefault();
    state.offset = 0;
    loadEvents();
  });
  $("filter-clear").addEventListener("click", () => {
    $("filter-form").reset();
    state.offset = 0;
    loadEvents();
  });
  $("page-prev").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - Number($("filter-limit").value));
    loadEvents();
  });
  $("page-next").addEventListener("click", () => {
    state.offset += Number($("filter-limit").value);
    loadEvents();
  });
  showKeyState();
  if (apiKey()) loadEvents();
}

wire();
