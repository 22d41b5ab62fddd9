// Spans of a result laid out over the article text: pure functions, no DOM.
//
// Offsets in results count Unicode code points (Python string indices), while JavaScript
// strings count UTF-16 units, so the text is handled as an array of code points
// (`Array.from(text)`): an emoji before a span must not shift its highlight.
//
// Spans may overlap or nest (an argument inside another, a trigger inside an argument of
// another event). The text is cut at every span boundary into segments; each segment knows
// every span covering it, and each span gets a lane (0, 1, ...) so that overlapping spans
// are drawn on different lines under the text.

// Every highlighted span of `result`: triggers, arguments, times and places of each event.
// `id` names the span in the page (`e<event>-t`, `e<event>-a<argument>`, `e<event>-time`,
// `e<event>-place`).
export function collectSpans(result) {
  const spans = [];
  result.events.forEach((event, index) => {
    const base = { event: index, type: event.type };
    spans.push({ ...base, id: `e${index}-t`, kind: "trigger", role: event.type,
      start: event.trigger.start, end: event.trigger.end });
    event.arguments.forEach((argument, position) => {
      spans.push({ ...base, id: `e${index}-a${position}`, kind: "argument",
        role: argument.role, start: argument.start, end: argument.end });
    });
    if (event.time) {
      spans.push({ ...base, id: `e${index}-time`, kind: "time", role: "time",
        start: event.time.start, end: event.time.end });
    }
    if (event.place) {
      spans.push({ ...base, id: `e${index}-place`, kind: "place", role: "place",
        start: event.place.start, end: event.place.end });
    }
  });
  return spans.filter((span) => span.end > span.start);
}

// Give each span the lowest lane no overlapping span already holds (longer spans first
// among those starting together, so an enclosing span sits on a lower lane).
export function assignLanes(spans) {
  const ordered = [...spans].sort((a, b) => a.start - b.start || (b.end - b.start) - (a.end - a.start));
  const laneEnds = [];
  for (const span of ordered) {
    let lane = laneEnds.findIndex((end) => end <= span.start);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(span.end);
    } else {
      laneEnds[lane] = span.end;
    }
    span.lane = lane;
  }
  return laneEnds.length;
}

// The text cut at every span boundary: [{start, end, text, spans}] covering all of it.
export function segments(text, spans) {
  const chars = Array.from(text);
  const cuts = new Set([0, chars.length]);
  for (const span of spans) {
    cuts.add(Math.min(span.start, chars.length));
    cuts.add(Math.min(span.end, chars.length));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i + 1 < points.length; i += 1) {
    const start = points[i];
    const end = points[i + 1];
    const covering = spans.filter((span) => span.start <= start && span.end >= end);
    pieces.push({ start, end, text: chars.slice(start, end).join(""), spans: covering });
  }
  return pieces;
}

// A stable colour per event type (the same type is the same colour on every page).
export function typeColour(type) {
  let hash = 0;
  for (const char of type) {
    hash = (hash * 31 + char.codePointAt(0)) % 360;
  }
  return `hsl(${hash}, 65%, 42%)`;
}
