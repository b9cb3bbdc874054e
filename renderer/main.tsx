/** The renderer's entry: connect to the lab (preload API or WebSocket), feed the store from events, render. */
import { createRoot } from 'react-dom/client';
import { connect } from './transport.js';
import { attach, dispatch } from './bus.js';
import { App } from './App.js';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
root.render(<App error={null} />);

connect()
  .then(async (api) => {
    attach(api);
    // The first picture comes in as a snapshot event, like every later one.
    const snapshot = await api.snapshot({});
    dispatch({ type: 'snapshot', snapshot });
  })
  .catch((err: Error) => {
    root.render(<App error={`Cannot reach the lab: ${err.message}`} />);
  });
