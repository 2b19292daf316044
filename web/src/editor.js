// The SPARQL editor: CodeMirror 6 with the SPARQL mode, and completion of the project's
// prefixes and vocabulary from what the page carries (no outside prefix service is asked).
import { autocompletion } from "@codemirror/autocomplete";
import { StreamLanguage } from "@codemirror/language";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";

const DECLARED = /^\s*PREFIX\s+([\w-]*):/gim;

/** The prefixes a query declares. */
export function declared(text) {
  return new Set([...text.matchAll(DECLARED)].map((m) => m[1]));
}

/** `text` with a PREFIX line added for each known prefix it uses but does not declare. */
export function withPrefixes(text, prefixes) {
  const have = declared(text);
  const body = text.replace(/<[^>\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g, " ");
  const missing = Object.keys(prefixes).filter(
    (p) => !have.has(p) && new RegExp(`(^|[\\s(/^|,;.{}!])${p}:`).test(body),
  );
  const lines = missing.map((p) => `PREFIX ${p}: <${prefixes[p]}>\n`).join("");
  return lines + text;
}

function completer(config) {
  const prefixOptions = Object.entries(config.prefixes).map(([p, ns]) => ({
    label: `${p}: <${ns}>`,
    type: "namespace",
  }));
  return (context) => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const declaration = /PREFIX\s+([\w-]*:?)$/i.exec(before);
    if (declaration) {
      return { from: context.pos - declaration[1].length, options: prefixOptions };
    }
    const name = /(^|[^\w:<])([A-Za-z][\w-]*):([\w-]*)$/.exec(before);
    if (name && config.terms[name[2]]) {
      const prefix = name[2];
      return {
        from: context.pos - name[3].length,
        validFor: /^[\w-]*$/,
        options: config.terms[prefix].map((term) => ({
          label: term.name,
          detail: term.label,
          type: term.kind === "class" ? "class" : "property",
          apply: (view, completion, from, to) => {
            const changes = [{ from, to, insert: term.name }];
            if (!declared(view.state.doc.toString()).has(prefix)) {
              changes.push({ from: 0, insert: `PREFIX ${prefix}: <${config.prefixes[prefix]}>\n` });
            }
            view.dispatch({ changes });
          },
        })),
      };
    }
    return null;
  };
}

/** Replace `textarea` by an editor; the textarea keeps the text for the form. */
export function createEditor(textarea, config, onRun) {
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      keymap.of([{ key: "Mod-Enter", run: () => (onRun(), true) }]),
      basicSetup,
      StreamLanguage.define(sparql),
      // Wrapped lines and a growing editor: no inner scrolling region to reach by keyboard.
      EditorView.lineWrapping,
      autocompletion({ override: [completer(config)] }),
      EditorView.contentAttributes.of({
        "aria-label": label ? label.textContent.trim() : "SPARQL",
        "aria-multiline": "true",
        role: "textbox",
        spellcheck: "false",
        lang: "en",
      }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) textarea.value = update.state.doc.toString();
      }),
    ],
  });
  textarea.after(view.dom);
  textarea.hidden = true;
  if (label) label.addEventListener("click", () => view.focus());
  return {
    view,
    get: () => view.state.doc.toString(),
    set: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  };
}
