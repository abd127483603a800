/**
 * Driving the bpmn-js modeler in chromium: select an element, append one from the context pad
 * (named, optionally replaced by another type), set an Ordo properties-panel entry.
 */
import type { Page } from 'playwright-core';

/** Reads until `ok` holds (or the time is up) and returns the last value, for the caller's expect. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeout = 10_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The id of the element bpmn-js has selected (it selects what was just appended). */
export async function selectedId(page: Page): Promise<string> {
  const sel = page.locator('[data-testid=canvas] .djs-element.selected');
  expect(await eventually(() => sel.count(), (n) => n === 1)).toBe(1);
  return (await sel.getAttribute('data-element-id'))!;
}

export async function clickElement(page: Page, id: string): Promise<void> {
  // a click on the selected element deselects it (diagram-js 15)
  if ((await page.locator(`[data-testid=canvas] .djs-element.selected[data-element-id="${id}"]`).count()) === 1) return;
  await page.locator(`[data-testid=canvas] .djs-element[data-element-id="${id}"]`).click();
  expect(await eventually(() => selectedId(page), (v) => v === id)).toBe(id);
}

export async function appendFrom(page: Page, fromId: string, action: string, name: string, replaceWith?: string): Promise<string> {
  await clickElement(page, fromId);
  await page.locator(`.djs-context-pad .entry[data-action="${action}"]`).click();
  // appending opens the label editor on the new element: type its name, Enter keeps it
  await page.locator('.djs-direct-editing-parent').waitFor();
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
  let id = await selectedId(page);
  if (replaceWith) {
    await page.locator('.djs-context-pad .entry[data-action="replace"]').click();
    await page.locator(`.djs-popup [data-id="${replaceWith}"]`).click();
    id = await selectedId(page);
  }
  return id;
}

/** Sets a properties-panel entry: picks a select's option, else fills its input or text area and leaves it. */
export async function setEntry(page: Page, entryId: string, value: string): Promise<void> {
  const entry = page.locator(`[data-testid=properties-panel] [data-entry-id="${entryId}"]`);
  const select = entry.locator('select');
  if (await select.count()) {
    await select.selectOption(value);
    return;
  }
  const field = entry.locator('input, textarea').first();
  await field.fill(value);
  await field.press('Tab');
}
