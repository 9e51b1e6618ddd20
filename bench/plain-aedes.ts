/** Plain Aedes for comparison: no authentication, no validation, no storage. */
import net from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const broker = await Aedes.createBroker();
const server = net.createServer(broker.handle);
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => broker.close(() => process.exit(0))));
