import { NotBuiltYet } from '../app/StatusPages';

/** Placeholder until the connectors area is built: says so plainly, shows no sample data. */
export default function ConnectorsPage() {
  return <NotBuiltYet area="connectors" />;
}
