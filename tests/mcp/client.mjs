// The official MCP TypeScript SDK's client driving ctx-mcp over stdio, for the tests and
// the benchmark. Usage:
//   node client.mjs calls CTX_MCP ROOT [CTX-MCP-ARGS...] < calls.jsonl
//     lists the tools, compiles every input and output schema with ajv, then makes each
//     call ({"tool", "arguments"} a line) and prints one line per call:
//     {"tool", "isError", "text", "structured", "valid"} (valid: the structured content
//     against the tool's output schema, as the SDK checks it)
//   node client.mjs bench CTX_MCP ROOT TOOL ARGS-JSON N [CTX-MCP-ARGS...]
//     N calls of TOOL after one warm-up call; prints {"n","p50_ms","p95_ms","max_ms"}
// CTX_MCP_CLIENT names the directory where make deps installed the SDK.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';

const dir = process.env.CTX_MCP_CLIENT;
if (!dir) {
	console.error('client.mjs: CTX_MCP_CLIENT is not set (make deps installs the SDK into build/mcp-client)');
	process.exit(2);
}
const require = createRequire(join(dir, 'package.json'));
const load = (name) => import(pathToFileURL(require.resolve(name)).href);
const { Client } = await load('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = await load('@modelcontextprotocol/sdk/client/stdio.js');
const Ajv = (await load('ajv')).default;

const [mode, command, root, ...rest] = process.argv.slice(2);

async function connect(args) {
	// The SDK passes on only a few variables unless told: the tests' CTX_RUN_ID and
	// XDG_RUNTIME_DIR must reach ctx-mcp, as a client configuration's env would.
	const transport = new StdioClientTransport({ command, args: ['--root', root, ...args], env: { ...process.env },
		stderr: 'inherit' });
	const client = new Client({ name: 'ctx-tests', version: '1.0.0' });
	await client.connect(transport);
	return client;
}

function ms(t0) {
	return Number(process.hrtime.bigint() - t0) / 1e6;
}

if (mode === 'calls') {
	const client = await connect(rest);
	const { tools } = await client.listTools();
	const ajv = new Ajv({ strict: false });
	const outputs = {};
	for (const t of tools) {
		ajv.compile(t.inputSchema); // throws on a schema that is not one
		if (t.outputSchema)
			outputs[t.name] = ajv.compile(t.outputSchema);
	}
	console.log(JSON.stringify({ tools: tools.map((t) => t.name), schemas: 'compiled',
		version: client.getServerVersion(), instructions: !!client.getInstructions() }));
	const lines = createInterface({ input: process.stdin });
	for await (const line of lines) {
		if (!line.trim())
			continue;
		const call = JSON.parse(line);
		let out;
		try {
			const r = await client.callTool({ name: call.tool, arguments: call.arguments });
			const check = outputs[call.tool];
			out = { tool: call.tool, isError: !!r.isError, text: r.content[0].text,
				structured: r.structuredContent ?? null,
				valid: r.structuredContent && check ? check(r.structuredContent) : null };
		} catch (e) { // a protocol error: the SDK throws it
			out = { tool: call.tool, protocolError: e.code ?? null, message: String(e.message) };
		}
		console.log(JSON.stringify(out));
	}
	await client.close();
} else if (mode === 'bench') {
	const [tool, argsJson, n, ...args] = rest;
	const client = await connect(args);
	const call = { name: tool, arguments: JSON.parse(argsJson) };
	const first = await client.callTool(call); // the warm-up: the daemon, the cache
	if (first.isError)
		throw new Error(`${tool}: ${first.content[0].text}`);
	const times = [];
	for (let i = 0; i < Number(n); i++) {
		const t0 = process.hrtime.bigint();
		const r = await client.callTool(call);
		times.push(ms(t0));
		if (r.isError)
			throw new Error(`${tool}: ${r.content[0].text}`);
	}
	times.sort((a, b) => a - b);
	const at = (q) => times[Math.floor(times.length * q)];
	console.log(JSON.stringify({ tool, n: times.length, p50_ms: +at(0.5).toFixed(2), p95_ms: +at(0.95).toFixed(2),
		max_ms: +times[times.length - 1].toFixed(2) }));
	await client.close();
} else {
	console.error('usage: client.mjs calls|bench CTX_MCP ROOT ...');
	process.exit(2);
}
