// `/loki/api/v1/format_query`: the query pretty-printed.

import { parseExpr } from './syntax/parser.js';
import { prettyPrint } from './syntax/pretty.js';

export function formatQuery(text: string): string {
  return prettyPrint(parseExpr(text));
}
