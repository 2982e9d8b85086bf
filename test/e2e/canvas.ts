import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';

/**
 * Mouse work on the React Flow canvas as a user does it: drags in small steps, links dropped on empty
 * canvas (found by looking at where the nodes are now, not at fixed offsets that break when a node
 * grows), and the connect menu that opens there.
 */

export interface XY {
  x: number;
  y: number;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Screen size of a new node in flow units at zoom 1 (width as the editor draws it; height generous). */
const NEW_NODE = { width: 260, height: 240 };
/** Room between linked nodes, in flow units, so an edge and its shape label stay readable. */
const GAP = 150;

export class CanvasDriver {
  constructor(readonly page: Page) {}

  node(id: string): Locator {
    return this.page.locator(`.react-flow__node[data-id="${id}"]`);
  }

  handle(id: string, port: string, side: 'source' | 'target'): Locator {
    return this.node(id).locator(`.react-flow__handle.${side}[data-handleid="${port}"]`);
  }

  async center(l: Locator): Promise<XY> {
    const b = await l.boundingBox();
    assert.ok(b, 'element is on screen');
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  }

  /** Drags with the mouse in small steps, as React Flow's pointer handlers need. */
  async drag(from: XY, to: XY): Promise<void> {
    const { mouse } = this.page;
    await mouse.move(from.x, from.y);
    await mouse.down();
    await mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 5 });
    await mouse.move(to.x, to.y, { steps: 5 });
    await mouse.up();
  }

  async fit(): Promise<void> {
    await this.page.locator('.react-flow__controls-fitview').click();
    await this.settled();
  }

  /** Resolves once the viewport's transform has stopped changing (fit and zoom apply over frames). */
  async settled(): Promise<void> {
    // A string, not a function: tsx would wrap inner arrow functions in a helper the page lacks.
    await this.page.waitForFunction(`new Promise((resolve) => {
      const viewport = document.querySelector('.react-flow__viewport');
      const before = getComputedStyle(viewport).transform;
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(getComputedStyle(viewport).transform === before)));
    })`);
  }

  /** Drags a node type from the palette onto a free spot of the canvas; returns its new id. */
  async dropFromPalette(type: string, prefer: 'left' | 'right' = 'left'): Promise<string> {
    const before = await this.nodeIds();
    const pane = await this.paneBox();
    const spot = await this.freeSpot(async () => ({
      prefer: { x: pane.x + (prefer === 'left' ? 40 : pane.width - 300), y: pane.y + 60 },
    }));
    await this.page.locator(`.palette-item[data-node-type="${type}"]`).dragTo(this.page.locator('.react-flow__pane'), {
      targetPosition: { x: spot.x - pane.x, y: spot.y - pane.y },
    });
    return this.newNode(before);
  }

  /**
   * Drags a link out of a port and lets go on empty canvas, which opens the connect menu there; returns
   * the menu's choices (node types) in order.
   */
  async dangle(id: string, port: string, side: 'source' | 'target'): Promise<string[]> {
    await this.fit();
    const handle = this.handle(id, port, side);
    // The new node goes beside the port with room for the edge's label, never behind its own source.
    const spot = await this.freeSpot(async () => {
      const from = await this.center(handle);
      const gap = await this.scaled(GAP);
      const width = await this.scaled(NEW_NODE.width);
      return side === 'source'
        ? { prefer: { x: from.x + gap, y: from.y - 20 }, minX: from.x + gap }
        : { prefer: { x: from.x - gap - width, y: from.y - 20 }, maxX: from.x - gap - width };
    });
    const from = await this.center(handle);
    await this.drag(from, side === 'source' ? spot : { x: spot.x + (await this.scaled(NEW_NODE.width)), y: spot.y });
    const menu = this.page.locator('.connect-menu');
    await menu.waitFor();
    return menu.locator('[role=menuitem]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node-type') ?? ''));
  }

  /** Picks a node type from the open connect menu; returns the id of the node it added. */
  async pick(type: string): Promise<string> {
    const before = await this.nodeIds();
    await this.page.locator(`.connect-menu [data-node-type="${type}"]`).click();
    return this.newNode(before);
  }

  /** Drags from an output socket onto an input socket. */
  async link(from: [string, string], to: [string, string]): Promise<void> {
    await this.fit();
    await this.drag(
      await this.center(this.handle(from[0], from[1], 'source')),
      await this.center(this.handle(to[0], to[1], 'target')),
    );
  }

  /** Drops a file from the desktop onto the canvas, as a file manager's drag and drop does. */
  async dropFile(name: string, bytes: Uint8Array, mime = 'application/octet-stream'): Promise<void> {
    const b64 = Buffer.from(bytes).toString('base64');
    // A string, not a function: see settled().
    const transfer = await this.page.evaluateHandle(`(() => {
      const bin = atob(${JSON.stringify(b64)});
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], ${JSON.stringify(name)}, { type: ${JSON.stringify(mime)} }));
      return dt;
    })()`);
    await this.page.locator('.canvas').dispatchEvent('drop', { dataTransfer: transfer });
  }

  async nodeIds(): Promise<string[]> {
    return this.page
      .locator('.react-flow__node-lf')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? ''));
  }

  private async newNode(before: string[]): Promise<string> {
    await this.page.waitForFunction((n) => document.querySelectorAll('.react-flow__node-lf').length > n, before.length);
    const added = (await this.nodeIds()).filter((id) => !before.includes(id));
    assert.equal(added.length, 1, `one node was added (got ${added.join(', ')})`);
    return added[0];
  }

  private async paneBox(): Promise<Box> {
    const b = await this.page.locator('.react-flow').boundingBox();
    assert.ok(b);
    return b;
  }

  private async zoom(): Promise<number> {
    const transform = await this.page.locator('.react-flow__viewport').evaluate((e) => getComputedStyle(e).transform);
    const m = /matrix\(([-\d.e]+)/.exec(transform);
    return m ? Number(m[1]) : 1;
  }

  private async scaled(n: number): Promise<number> {
    return n * (await this.zoom());
  }

  /**
   * The free point of the canvas nearest `prefer` where a new node's box fits without covering a node,
   * the minimap or the controls; zooms out when there is none.
   */
  async freeSpot(want: () => Promise<{ prefer: XY; minX?: number; maxX?: number }>): Promise<XY> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const { prefer, minX = Number.NEGATIVE_INFINITY, maxX = Number.POSITIVE_INFINITY } = await want();
      const pane = await this.paneBox();
      const zoom = await this.zoom();
      const w = NEW_NODE.width * zoom;
      const h = NEW_NODE.height * zoom;
      const blocked = [
        ...(await this.boxes('.react-flow__node-lf, .react-flow__minimap, .react-flow__controls, .connect-menu')),
      ].map((b) => ({ x: b.x - 12, y: b.y - 12, width: b.width + 24, height: b.height + 24 }));
      let best: XY | undefined;
      let bestDist = Number.POSITIVE_INFINITY;
      for (let x = pane.x + 8; x + w < pane.x + pane.width - 8; x += 12) {
        for (let y = pane.y + 8; y + h < pane.y + pane.height - 8; y += 12) {
          const box = { x, y, width: w, height: h };
          if (x < minX || x > maxX) continue;
          if (blocked.some((b) => overlaps(b, box))) continue;
          const d = (x - prefer.x) ** 2 + (y - prefer.y) ** 2;
          if (d < bestDist) {
            bestDist = d;
            best = { x, y: y + 10 };
          }
        }
      }
      if (best) return best;
      await this.page.locator('.react-flow__controls-zoomout').click();
      await this.settled();
    }
    throw new Error('no free spot on the canvas');
  }

  private async boxes(selector: string): Promise<Box[]> {
    return this.page.locator(selector).evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    );
  }
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
