"use client";

import { createContext, useContext } from "react";
import { NO_TX, type TxState } from "@/lib/console-tx";

/** The page console's transaction state: its own tab's, and each lesson client's (steps marked `client=…`) by name. */
export interface ConsoleTx extends TxState {
  clients: Readonly<Record<string, TxState>>;
}

export const NO_CONSOLE_TX: ConsoleTx = { ...NO_TX, clients: {} };

const ConsoleTxContext = createContext<ConsoleTx>(NO_CONSOLE_TX);

/** Given by a lesson page around its steps and exercises, from its console's `onTx`. */
export const ConsoleTxProvider = ConsoleTxContext.Provider;

/**
 * Whether the page's console has a MULTI (or WATCH) open, for a step or an
 * exercise to say so: `const tx = useConsoleTx(); if (tx.multi) …`.
 */
export function useConsoleTx(): ConsoleTx {
  return useContext(ConsoleTxContext);
}
