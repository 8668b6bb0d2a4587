import type { FormEvent } from 'react';

/** An onSubmit handler that keeps the browser from submitting and runs `run` instead. */
export function submitHandler(run: () => void) {
  return (e: FormEvent) => {
    e.preventDefault();
    run();
  };
}
