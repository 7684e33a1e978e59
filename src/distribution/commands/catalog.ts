// CATALOG: a change of the route catalog in the default group (split, state,
// reassign). Refusals are client errors: bad input, or a precondition that no
// longer holds (re-read and retry).

import { EMPTY_RESULT } from '../../apply/commands.js';
import { rejected } from '../../apply/group-machine.js';
import type { CommandHandler } from '../../apply/handler.js';
import { CATALOG, catalogRefusal } from '../catalog-state.js';

export const catalogHandler: CommandHandler = {
  kinds: ['CATALOG'],
  declare: () => ({ reads: 'none', writes: 'none' }),
  apply({ batch, machine }, cmd) {
    if (!cmd.catalog) return rejected('INVALID_ARGUMENT', 'catalog command without a change');
    if (!machine.has(CATALOG)) return rejected('INVALID_ARGUMENT', `group ${machine.group} holds no route catalog (the default group does)`);
    const res = machine.state(CATALOG).change(batch, cmd.catalog);
    if (!res.ok) return catalogRefusal(res);
    return { ...EMPTY_RESULT, catalogVersion: res.version, routes: res.noop ? [] : res.changed, succeeded: !res.noop };
  },
};
