/** The renderer's entry: connect to the lab (preload API or WebSocket), feed the store from events, render. */
import { createRoot } from 'react-dom/client';
import { connect } from './transport.js';
import { attach, dispatch } from './bus.js';
import { App } from './App.js';
import type { LabEvent } from '../main/common/types.js';
import './styles/index.css';

const root = createRoot(document.getElementById('root')!);
root.render(<App error={null} />);

connect()
  .then(async (api) => {
    // Live events are held while the history is fetched, so that none is lost or shown twice.
    const held: LabEvent[] = [];
    const detach = api.onEvent((e) => held.push(e));
    const past = await api.history({});
    const seen = new Set(past.map((e) => JSON.stringify(e)));
    for (const e of past) dispatch(e);
    // The first picture comes in as a snapshot event, like every later one.
    dispatch({ type: 'snapshot', snapshot: await api.snapshot({}) });
    attach(api);
    detach();
    for (const e of held) if (!seen.has(JSON.stringify(e))) dispatch(e);
  })
  .catch((err: Error) => {
    root.render(<App error={`Cannot reach the lab: ${err.message}`} />);
  });
