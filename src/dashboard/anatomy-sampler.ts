import type { Runtime } from '../runtime/runtime.js';
import type { AnatomyPanelView } from '../ui/model.js';
import { anatomySections, sectionLines, sectionTitles } from '../ui/anatomy-text.js';

/** At most this often: reading every section (netlink dumps included) costs a few ms. */
const minIntervalMs = 1000;

/**
 * The anatomy of the one container the dashboard's anatomy view is open on, read live and
 * formatted into the view's sections. The feed calls sample() at each tick.
 */
export class AnatomySampler {
  private name: string | null = null;
  private last: AnatomyPanelView | null = null;
  private sampledAt = 0;

  constructor(private readonly runtime: Runtime) {}

  /** Start sampling this container (null: stop). */
  watch(name: string | null): void {
    if (name === this.name) return;
    this.name = name;
    this.last = null;
    this.sampledAt = 0;
  }

  /** The view's data now; undefined when nothing changed since the last call (not due, or not watching). */
  sample(now = Date.now()): AnatomyPanelView | null | undefined {
    if (this.name === null) {
      if (this.last === null && this.sampledAt === -1) return undefined;
      this.sampledAt = -1;
      this.last = null;
      return null;
    }
    if (now - this.sampledAt < minIntervalMs) return undefined;
    this.sampledAt = now;
    const name = this.name;
    try {
      const anatomy = this.runtime.anatomy(name);
      const trace = this.last?.sections.find((s) => s.id === 'trace');
      this.last = {
        container: name,
        sampledAt: now,
        // The trace never changes: its lines are made once.
        sections: anatomySections.map((id) => (id === 'trace' && trace ? trace : { id, title: sectionTitles[id], lines: sectionLines(anatomy, id, true) })),
        error: anatomy.problems.length ? `could not read ${anatomy.problems.join('; ')}` : null,
      };
    } catch (error) {
      this.last = { container: name, sampledAt: now, sections: this.last?.sections ?? [], error: (error as Error).message };
    }
    return this.last;
  }
}
