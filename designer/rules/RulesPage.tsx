import { NotBuiltYet } from '../app/StatusPages';

/** Placeholder until the rules area is built: says so plainly, shows no sample data. */
export default function RulesPage() {
  return <NotBuiltYet area="rules" />;
}
