"use client";

/** This browser tab's console id: each tab is its own client, with its own MULTI/WATCH (like two redis-cli windows). */
export function tabId(): string {
  try {
    let id = sessionStorage.getItem("pg:tab");
    if (!id) sessionStorage.setItem("pg:tab", (id = crypto.randomUUID().replace(/-/g, "").slice(0, 16)));
    return id;
  } catch {
    return "default";
  }
}
