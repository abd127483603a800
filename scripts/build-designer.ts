/** `npm run build`: builds the designer bundle into designer/dist. */
import { buildDesigner } from '../server/static/designer';

buildDesigner({ log: (m) => process.stdout.write(`${m}\n`) });
process.stdout.write('designer built into designer/dist\n');
