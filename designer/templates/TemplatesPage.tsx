import { NotBuiltYet } from '../app/StatusPages';

/** Placeholder until the templates area is built: says so plainly, shows no sample data. */
export default function TemplatesPage() {
  return <NotBuiltYet area="templates" />;
}
