/**
 * A preload (`node --import ./test/support/record-imports.mjs`) that writes the URL of every module the process
 * imports, one a line, to the file named by IMPORTS_FILE: a test reads which packages a process loaded.
 */
import { register } from 'node:module';
import process from 'node:process';
import { URL } from 'node:url';

const file = process.env.IMPORTS_FILE;
if (file) register(new URL('./record-imports-hooks.mjs', import.meta.url), { data: { file } });
