import { renameSync, writeFileSync } from 'node:fs';

/**
 * Write a file whole: to `<file>.tmp`, then renamed into place (rename is atomic on one file system). A reader,
 * or the runtime restarted after a SIGKILL (the crash drills), finds the old content or the new, never half
 * of it ("Unexpected end of JSON input"). A kill between the two leaves only the `.tmp` behind.
 */
export const writeFileAtomically = (file: string, text: string): void => {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
};
