/** Shared by the tasks e2e tests. */
import type { Page } from 'playwright-core';

/**
 * A keyboard-wedge scanner anywhere on the page: the code's keys and Enter as keydown events, in one
 * burst inside the page (typed through the driver, a loaded machine can space the keys like a person's).
 */
export const wedgeScan = (page: Page, code: string) =>
  page.evaluate(`(() => { for (const key of ${JSON.stringify([...code, 'Enter'])}) document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true })); })()`);
