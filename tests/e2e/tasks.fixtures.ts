/** Shared by the tasks e2e tests. */
import fs from 'node:fs';
import type { Page } from 'playwright-core';

/**
 * A keyboard-wedge scanner anywhere on the page: the code's keys and Enter as keydown events, in one
 * burst inside the page (typed through the driver, a loaded machine can space the keys like a person's).
 */
export const wedgeScan = (page: Page, code: string) =>
  page.evaluate(`(() => { for (const key of ${JSON.stringify([...code, 'Enter'])}) document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true })); })()`);

/**
 * A camera that films a printed code: the barcode drawn as on the packing slip (the print module's
 * own SVG), photographed in chromium as a 640×480 JPEG and written as an MJPEG file for chromium's
 * fake capture device (`--use-file-for-fake-video-capture`). `page` is used up (closed). Returns the
 * chromium flags.
 */
export async function fakeCameraFilming(page: Page, svg: string, file: string): Promise<string[]> {
  await page.setViewportSize({ width: 640, height: 480 });
  await page.setContent(`<style>svg{width:100%;height:100%;display:block}</style><body style="margin:0;background:#f4f1ea;display:grid;place-items:center;height:480px"><div style="width:420px;height:110px;padding:24px;background:#fff">${svg}</div></body>`);
  const jpeg = await page.screenshot({ type: 'jpeg', quality: 92 });
  await page.close();
  fs.writeFileSync(file, Buffer.concat(Array.from({ length: 5 }, () => jpeg)));
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${file}`];
}
