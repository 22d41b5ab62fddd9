// Building the page's parts from API data. Every string that comes from an article or a
// result is put in as a text node (`textContent`, `el(..., text)`), never as HTML.

import { assignLanes, collectSpans, segments, typeColour } from "./spans.js";

// An element with attributes and children (strings become text nodes).
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) {
      node.setAttribute(name, String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

const LANE_PX = 5;

function percent(value) {
  return value === null || value === undefined ? "" : `${Math.round(value * 100)}%`;
}

function timeText(time) {
  if (!time) return "";
  if (time.value) return time.value;
  if (time.range) return `${time.range.start} – ${time.range.end}`;
  return "";
}

function placeText(place) {
  if (!place) return "";
  return place.country_code ? `${place.name} (${place.country_code})` : place.name;
}

// The article text with every span highlighted; `onPick(spans)` is called with the spans
// under a clicked segment.
export function renderArticle(container, text, result, onPick) {
  const spans = collectSpans(result);
  const lanes = assignLanes(spans);
  container.replaceChildren();
  container.style.setProperty("--lanes", String(lanes));
  for (const piece of segments(text, spans)) {
    if (piece.spans.length === 0) {
      container.append(document.createTextNode(piece.text));
      continue;
    }
    const node = el("span", {
      class: "seg",
      "data-start": piece.start,
      "data-end": piece.end,
      "data-spans": piece.spans.map((span) => span.id).join(" "),
      tabindex: "0",
    });
    node.append(document.createTextNode(piece.text));
    const trigger = piece.spans.find((span) => span.kind === "trigger");
    if (trigger) {
      node.classList.add("trigger");
      node.style.setProperty("--colour", typeColour(trigger.type));
    }
    const starting = piece.spans.filter((span) => span.start === piece.start);
    if (starting.length) {
      node.setAttribute("data-label", starting.map((span) => span.role).join(" · "));
    }
    for (const span of piece.spans) {
      const bar = el("span", { class: `bar ${span.kind}`, "aria-hidden": "true" });
      bar.style.setProperty("--colour", typeColour(span.type));
      bar.style.bottom = `${-2 - span.lane * LANE_PX}px`;
      node.append(bar);
    }
    node.title = piece.spans
      .map((span) => `${span.role} (${result.events[span.event].type})`)
      .join("\n");
    const pick = () => onPick(piece.spans);
    node.addEventListener("click", pick);
    node.addEventListener("keydown", (keyEvent) => {
      if (keyEvent.key === "Enter") pick();
    });
    container.append(node);
  }
  container.style.paddingBottom = `${lanes * LANE_PX + 8}px`;
}

// The legend: one colour chip per event type of the result.
export function renderLegend(container, result) {
  const types = [...new Set(result.events.map((event) => event.type))].sort();
  container.replaceChildren(
    ...types.map((type) => {
      const chip = el("span", { class: "chip" }, type);
      chip.style.setProperty("--colour", typeColour(type));
      return chip;
    }),
  );
}

function spanList(spans) {
  return (spans || []).map((span) => span.text).join(", ");
}

// Everything known about the events of `eventIndexes`: confidence, arguments, normalized
// time and place, PLOVER coding.
export function renderDetails(container, result, eventIndexes) {
  container.replaceChildren();
  for (const index of eventIndexes) {
    const event = result.events[index];
    const card = el("div", { class: "card", "data-event": index });
    card.style.setProperty("--colour", typeColour(event.type));
    card.append(el("h3", {}, `${event.type}: “${event.trigger.text}”`));
    const facts = el("dl");
    const fact = (name, value) => {
      if (value !== "" && value !== null && value !== undefined) {
        facts.append(el("dt", {}, name), el("dd", {}, value));
      }
    };
    fact("confidence", percent(event.confidence));
    fact("sentence", event.sentence);
    for (const argument of event.arguments) {
      fact(argument.role, `${argument.text} (${percent(argument.confidence)})`);
    }
    if (event.time) fact("time", `${event.time.text} → ${timeText(event.time) || "not normalized"}`);
    if (event.place) fact("place", `${event.place.text} → ${placeText(event.place)}`);
    if (event.plover) {
      const plover = event.plover;
      fact("PLOVER", `${plover.type}${plover.confidence != null ? ` (${percent(plover.confidence)})` : ""}`);
      fact("actor", spanList(plover.actor));
      fact("recipient", spanList(plover.recipient));
      fact("mode", (plover.mode || []).join(", "));
    }
    card.append(facts);
    container.append(card);
  }
}

// One table row per stored event; `onOpen(articleId)` opens an article.
export function renderTable(body, page, onOpen) {
  body.replaceChildren();
  for (const item of page.items) {
    const event = item.event;
    const open = el("button", { type: "button", class: "link" }, item.article_id);
    open.addEventListener("click", () => onOpen(item.article_id));
    const type = el("td", {}, event.type);
    type.style.setProperty("--colour", typeColour(event.type));
    type.classList.add("type");
    body.append(
      el(
        "tr",
        { "data-event-id": item.id },
        el("td", {}, open),
        type,
        el("td", {}, event.plover ? event.plover.type : ""),
        el("td", {}, event.trigger.text),
        el("td", {}, timeText(event.time)),
        el("td", {}, placeText(event.place)),
        el("td", {}, percent(event.confidence)),
      ),
    );
  }
}

// Events grouped by normalized day (a range counts on its first day), oldest first.
export function renderTimeline(list, page) {
  const byDay = new Map();
  for (const item of page.items) {
    const time = item.event.time;
    const day = time && (time.value || (time.range && time.range.start));
    if (!day) continue;
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day).push(item);
  }
  list.replaceChildren();
  for (const day of [...byDay.keys()].sort()) {
    const chips = byDay.get(day).map((item) => {
      const chip = el("span", { class: "chip", title: item.article_id }, `${item.event.type}: ${item.event.trigger.text}`);
      chip.style.setProperty("--colour", typeColour(item.event.type));
      return chip;
    });
    list.append(el("li", { "data-day": day }, el("time", { datetime: day }, day), ...chips));
  }
}
