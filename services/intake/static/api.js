// The viewer's only way to the data: the public /v1 API, with the user's API key.
//
// The key lives in this tab's sessionStorage (gone when the tab closes) and is sent as
// `Authorization: Bearer <key>`; nothing is fetched without one.

const KEY_NAME = "newsevents.apiKey";

export function apiKey() {
  return sessionStorage.getItem(KEY_NAME) || "";
}

export function setApiKey(key) {
  if (key) {
    sessionStorage.setItem(KEY_NAME, key);
  } else {
    sessionStorage.removeItem(KEY_NAME);
  }
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The intake's error body has a `detail`: a sentence, or a list of {field, message}.
function describeError(status, body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => `${item.field}: ${item.message}`).join("; ");
  }
  if (typeof detail === "string") {
    return detail;
  }
  return `HTTP ${status}`;
}

async function request(method, path, body) {
  const key = apiKey();
  if (!key) {
    throw new ApiError(401, "enter an API key first (newsevents keys create --tenant NAME)");
  }
  const headers = { Authorization: `Bearer ${key}`, Accept: "application/json" };
  const options = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let parsed = null;
  try {
    parsed = await response.json();
  } catch (error) {
    parsed = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, describeError(response.status, parsed));
  }
  return parsed;
}

export function submitArticle(article) {
  return request("POST", "/v1/articles", article);
}

export function articleStatus(id) {
  return request("GET", `/v1/articles/${encodeURIComponent(id)}`);
}

export function articleContent(id) {
  return request("GET", `/v1/articles/${encodeURIComponent(id)}/content`);
}

// `filters`: {type, plover_type, date_from, date_to, article_id, limit, offset}; empty
// values are left out.
export function searchEvents(filters) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value !== "" && value !== null && value !== undefined) {
      query.set(name, String(value));
    }
  }
  return request("GET", `/v1/events?${query}`);
}
