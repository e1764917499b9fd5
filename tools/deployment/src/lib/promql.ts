/**
 * A small PromQL checker for the expressions of our alert rules and dashboard
 * (no PromQL parser is installed, and this is enough to catch what breaks in
 * practice): strings closed, brackets balanced, label matchers well formed,
 * range selectors that are durations, functions and aggregations that exist,
 * and no operator without two operands. It returns what the expression refers
 * to, so the tests can check the metrics and labels against metric-names.ts.
 *
 * Grafana's variables (`$service`, `${datasource}`, `$__rate_interval`) are
 * accepted where a string or a duration goes. `offset`, `@` and subqueries are
 * not supported: the checker throws on them rather than guessing.
 */

export interface PromqlReferences {
  /** Series names as written (`x_bucket` stays `x_bucket`). */
  metrics: Set<string>;
  /** Label names in matchers and in by/without/on/ignoring/group_left/group_right lists. */
  labels: Set<string>;
  functions: Set<string>;
}

const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'count_over_time',
  'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp', 'floor', 'histogram_avg', 'histogram_count',
  'histogram_fraction', 'histogram_quantile', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'hour', 'idelta', 'increase',
  'irate', 'label_join', 'label_replace', 'last_over_time', 'ln', 'log10', 'log2', 'mad_over_time', 'max_over_time', 'min_over_time',
  'minute', 'month', 'predict_linear', 'present_over_time', 'quantile_over_time', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort',
  'sort_desc', 'sqrt', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'time', 'timestamp', 'vector', 'year',
]);
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const SET_OPERATORS = new Set(['and', 'or', 'unless']);
const UNSUPPORTED = new Set(['offset', 'atan2']);
const MATCH_OPERATORS = new Set(['=', '!=', '=~', '!~']);
const BINARY_OPERATORS = new Set(['+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', '<=']);

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const GRAFANA_VARIABLE = /^\$(\{\w+\}|\w+)$/;

type Token =
  | { kind: 'string' | 'number' | 'identifier' | 'variable' | 'operator' | 'comma'; text: string }
  | { kind: 'open' | 'close'; text: '(' | ')' | '{' | '}' | '[' | ']' };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < expr.length) {
    const rest = expr.slice(index);
    const char = expr[index];
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === '"' || char === "'" || char === '`') {
      let end = index + 1;
      while (end < expr.length && expr[end] !== char) end += char !== '`' && expr[end] === '\\' ? 2 : 1;
      if (end >= expr.length) throw new Error(`unterminated string at ${index}`);
      tokens.push({ kind: 'string', text: expr.slice(index + 1, end) });
      index = end + 1;
    } else if (char === '[') {
      // A range: a duration or a Grafana variable, up to the closing bracket.
      const end = expr.indexOf(']', index);
      if (end === -1) throw new Error(`unclosed [ at ${index}`);
      const range = expr.slice(index + 1, end).trim();
      if (!DURATION.test(range) && !GRAFANA_VARIABLE.test(range)) throw new Error(`[${range}] is not a range duration`);
      tokens.push({ kind: 'open', text: '[' }, { kind: 'close', text: ']' });
      index = end + 1;
    } else if ('(){}]'.includes(char)) {
      tokens.push({ kind: '({'.includes(char) ? 'open' : 'close', text: char as '(' | ')' | '{' | '}' | ']' } as Token);
      index += 1;
    } else if (char === ',') {
      tokens.push({ kind: 'comma', text: ',' });
      index += 1;
    } else {
      const match =
        /^\d+(\.\d+)?(e[+-]?\d+)?/i.exec(rest) ??
        /^\$(\{\w+\}|\w+)/.exec(rest) ??
        /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest) ??
        /^(==|!=|>=|<=|=~|!~|[-+*/%^<>=])/.exec(rest);
      if (!match) throw new Error(`unexpected "${char}" at ${index}`);
      const text = match[0];
      const kind = /^\d/.test(text) ? 'number' : text.startsWith('$') ? 'variable' : /^[a-zA-Z_:]/.test(text) ? 'identifier' : 'operator';
      tokens.push({ kind, text });
      index += text.length;
    }
  }
  return tokens;
}

export function checkPromql(expr: string): PromqlReferences {
  const tokens = tokenize(expr);
  const references: PromqlReferences = { metrics: new Set(), labels: new Set(), functions: new Set() };
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  for (const token of tokens) {
    if (token.kind === 'open') stack.push(token.text);
    if (token.kind === 'close' && stack.pop() !== pairs[token.text]) throw new Error(`unbalanced "${token.text}"`);
  }
  if (stack.length > 0) throw new Error(`unclosed "${stack.at(-1)}"`);
  if (tokens.length === 0) throw new Error('empty expression');

  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index];
    const next = tokens[index + 1];
    if (token.kind === 'open' && token.text === '{') {
      index = readMatchers(tokens, index + 1, references);
    } else if (token.kind === 'identifier') {
      const name = token.text;
      if (UNSUPPORTED.has(name)) throw new Error(`${name} is not supported by this checker`);
      if (LABEL_LISTS.has(name)) {
        if (next?.text !== '(') throw new Error(`${name} needs a label list`);
        index = readLabelList(tokens, index + 2, references);
      } else if (SET_OPERATORS.has(name) || name === 'bool') {
        continue;
      } else if (next?.text === '(' || (AGGREGATIONS.has(name) && (next?.text === 'by' || next?.text === 'without'))) {
        if (!FUNCTIONS.has(name) && !AGGREGATIONS.has(name)) throw new Error(`unknown function ${name}`);
        references.functions.add(name);
      } else {
        references.metrics.add(name);
      }
    }
  }
  checkOperands(tokens);
  return references;
}

function readMatchers(tokens: Token[], start: number, references: PromqlReferences): number {
  let index = start;
  while (tokens[index]?.text !== '}') {
    const [label, operator, value] = [tokens[index], tokens[index + 1], tokens[index + 2]];
    if (label?.kind !== 'identifier') throw new Error(`a label name expected in a matcher, got "${label?.text}"`);
    if (operator?.kind !== 'operator' || !MATCH_OPERATORS.has(operator.text)) throw new Error(`a match operator expected after ${label.text}`);
    if (value?.kind !== 'string') throw new Error(`a quoted value expected after ${label.text}${operator.text}`);
    if (operator.text.endsWith('~') && !value.text.includes('$')) assertRegex(value.text);
    references.labels.add(label.text);
    index += 3;
    if (tokens[index]?.kind === 'comma') index += 1;
    else if (tokens[index]?.text !== '}') throw new Error(`"," or "}" expected after ${label.text}${operator.text}"${value.text}"`);
  }
  return index;
}

function assertRegex(pattern: string): void {
  try {
    RegExp(`^(?:${pattern})$`);
  } catch {
    throw new Error(`"${pattern}" is not a valid regular expression`);
  }
}

function readLabelList(tokens: Token[], start: number, references: PromqlReferences): number {
  let index = start;
  while (tokens[index]?.text !== ')') {
    const label = tokens[index];
    if (label?.kind !== 'identifier') throw new Error(`a label name expected in a label list, got "${label?.text}"`);
    references.labels.add(label.text);
    index += 1;
    if (tokens[index]?.kind === 'comma') index += 1;
  }
  return index;
}

/** A binary operator needs an operand on each side (a leading `-` is a sign). */
function checkOperands(tokens: Token[]): void {
  const isOperator = (token: Token | undefined) =>
    (token?.kind === 'operator' && BINARY_OPERATORS.has(token.text)) || (token?.kind === 'identifier' && SET_OPERATORS.has(token.text));
  let depth = 0;
  let inMatcher = false;
  tokens.forEach((token, index) => {
    if (token.text === '{') inMatcher = true;
    if (token.text === '}') inMatcher = false;
    if (token.kind === 'open') depth += 1;
    if (token.kind === 'close') depth -= 1;
    if (inMatcher || !isOperator(token)) return;
    const before = tokens[index - 1];
    const after = tokens[index + 1];
    const unary = token.text === '-' && (before === undefined || before.kind === 'open' || before.kind === 'comma' || isOperator(before));
    if (!unary && (before === undefined || before.kind === 'open' || before.kind === 'comma' || isOperator(before))) {
      throw new Error(`"${token.text}" has no left operand`);
    }
    const rightOk = after !== undefined && after.kind !== 'close' && after.kind !== 'comma' && (!isOperator(after) || after.text === '-' || after.text === 'bool');
    if (!rightOk) throw new Error(`"${token.text}" has no right operand`);
  });
  if (depth !== 0) throw new Error('unbalanced brackets');
}
