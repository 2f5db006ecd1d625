import { createContext, Provider, useContext } from 'react';

/**
 * A context through which an editor hands what it edits to the fields inside it, and the hook the
 * fields read it with (it fails outside the editor, where a field has nothing to edit).
 */
export function editorContext<T>(fields: string): [Provider<T | undefined>, () => T] {
  const Context = createContext<T | undefined>(undefined);
  const useEditor = () => {
    const editor = useContext(Context);
    if (editor === undefined) {
      throw new Error(`${fields} must be rendered inside their editor`);
    }
    return editor;
  };
  return [Context.Provider, useEditor];
}
