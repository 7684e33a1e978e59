#!/usr/bin/env node
// ferryctl: the operator CLI over ferrykv's admin and KV APIs (the commands live in cmd/ferryctl/).
import { buildProgram } from './ferryctl/program.js';

await buildProgram().parseAsync();
