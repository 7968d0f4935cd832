import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../runtime/errors.js';
import { packagePath } from '../runtime/paths.js';
import { loadLesson, type Lesson } from './lesson-file.js';

/** The lessons that ship: one folder each, holding lesson.json. */
export const lessonsDir = packagePath('lessons');
export const lessonFileName = 'lesson.json';

/** The shipped lessons' folder names, in order (01-…, 02-…). */
export function lessonIds(dir = lessonsDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((entry) => existsSync(path.join(dir, entry, lessonFileName))).sort();
}

export function listLessons(dir = lessonsDir): Lesson[] {
  return lessonIds(dir).map((id) => loadLesson(path.join(dir, id, lessonFileName), id));
}

/**
 * A lesson by name: a shipped one's folder name (01-namespaces), its number
 * (1, 01) or its slug (namespaces); or, with a slash in it, a lesson's own
 * folder or file (a lesson being written).
 */
export function findLesson(name: string, dir = lessonsDir): Lesson {
  if (name.includes('/')) {
    const target = path.resolve(name);
    const file = existsSync(target) && statSync(target).isDirectory() ? path.join(target, lessonFileName) : target;
    return loadLesson(file, path.basename(path.dirname(file)));
  }
  const ids = lessonIds(dir);
  const id = ids.find((i) => i === name || i.replace(/^\d+-/, '') === name || (/^\d+$/.test(name) && Number(i.split('-')[0]) === Number(name)));
  if (!id) throw new UsageError(`no lesson "${name}": see ctr-tui lesson list (${ids.join(', ') || 'none installed'})`);
  return loadLesson(path.join(dir, id, lessonFileName), id);
}
