// The LogQL editor: CodeMirror 6 with Grafana's LogQL grammar, completion, server-side parse
// errors, and Ctrl/Cmd+Enter to run. The text is owned by the page; edits flow both ways.

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { linter, lintGutter } from '@codemirror/lint';
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { useEffect, useRef } from 'preact/hooks';
import type { NsRange } from '../api/loki';
import { logqlCompletion } from './completion';
import { logql } from './language';
import { serverLint } from './lint';

// Colours come from CSS variables, so one style serves both themes.
const highlightStyle = HighlightStyle.define([
  { tag: t.keyword, color: 'var(--syn-keyword)' },
  { tag: t.modifier, color: 'var(--syn-keyword)' },
  { tag: t.logicOperator, color: 'var(--syn-keyword)' },
  { tag: t.function(t.variableName), color: 'var(--syn-function)' },
  { tag: t.labelName, color: 'var(--syn-label)' },
  { tag: t.string, color: 'var(--syn-string)' },
  { tag: t.number, color: 'var(--syn-number)' },
  { tag: t.operator, color: 'var(--syn-operator)' },
  { tag: t.lineComment, color: 'var(--muted)', fontStyle: 'italic' },
]);

export interface QueryEditorProps {
  value: string;
  onChange(value: string): void;
  onRun(value: string): void;
  range(): NsRange | undefined;
}

export function QueryEditor(props: QueryEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const latest = useRef(props);
  latest.current = props;
  // Texts the editor reported since the last outside edit: the page's value lags behind fast
  // typing, and an echo of an older keystroke must not be written back over newer text.
  const emitted = useRef(new Set<string>([props.value]));

  useEffect(() => {
    const run = (target: EditorView): boolean => {
      latest.current.onRun(target.state.doc.toString());
      return true;
    };
    const state = EditorState.create({
      doc: props.value,
      extensions: [
        history(),
        closeBrackets(),
        bracketMatching(),
        logql(),
        syntaxHighlighting(highlightStyle),
        autocompletion({ override: [logqlCompletion({ range: () => latest.current.range() })], activateOnTyping: true }),
        linter(serverLint, { delay: 400 }),
        lintGutter(),
        placeholder('{app="api"} |= "error"   (Ctrl+Enter to run)'),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': 'LogQL query', 'data-testid': 'query-input' }),
        Prec.highest(keymap.of([{ key: 'Mod-Enter', run, preventDefault: true }, { key: 'Shift-Enter', run, preventDefault: true }])),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          const text = update.state.doc.toString();
          if (emitted.current.size > 200) emitted.current.clear();
          emitted.current.add(text);
          latest.current.onChange(text);
        }),
      ],
    });
    view.current = new EditorView({ state, parent: host.current! });
    return () => view.current?.destroy();
  }, []);

  // Edits made outside the editor (filter for / out, label browser, history) replace its text.
  useEffect(() => {
    const current = view.current;
    if (current === undefined || emitted.current.has(props.value)) return;
    emitted.current.clear();
    const text = current.state.doc.toString();
    if (text !== props.value) current.dispatch({ changes: { from: 0, to: text.length, insert: props.value } });
  }, [props.value]);

  return <div class="query-editor" ref={host} />;
}
