/*
 * txn.h: the network-wide transaction engine (txn.c) has no internal interface: the
 * engine is public (struct nst_txn in netstitch.h). Its pure helpers live in their own
 * modules: payload.h (normalisation, restore payloads, verification) and secret.h
 * (placeholders, the one scrubber).
 */
#ifndef NST_TXN_H
#define NST_TXN_H

#include "netstitch.h"
#include "payload.h"
#include "secret.h"

#endif
