// Entry point of Norn's web UI.

import { render } from 'preact';
import { App } from './shell/app';
import './styles.css';

render(<App />, document.getElementById('app')!);
