// ts_defs: where the TypeScript language service says the identifiers of some files are
// defined, for def_lang_truth.py. Usage: node ts_defs.js TYPESCRIPT_JS ROOT N FILE...
// N identifiers (an even sample over all of them) of the files, one JSON line each:
// {"file": F, "line": L, "col": C, "defs": [[file, line], ...]} (1-based; col in code
// points; defs in the workspace only).
"use strict";
const fs = require("fs");
const path = require("path");
const ts = require(process.argv[2]);
const root = path.resolve(process.argv[3]);
const want = Number(process.argv[4]);
const files = process.argv.slice(5).map((f) => path.resolve(root, f));

const options = {
	allowJs: true, checkJs: false, noEmit: true, target: ts.ScriptTarget.ES2022,
	module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
	jsx: ts.JsxEmit.Preserve, skipLibCheck: true, types: [],
};
const texts = new Map();
const host = {
	getScriptFileNames: () => files,
	getScriptVersion: () => "1",
	getScriptSnapshot: (f) => {
		if (!texts.has(f)) {
			if (!fs.existsSync(f)) return undefined;
			texts.set(f, fs.readFileSync(f, "utf8"));
		}
		return ts.ScriptSnapshot.fromString(texts.get(f));
	},
	getCurrentDirectory: () => root,
	getCompilationSettings: () => options,
	getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
	fileExists: (f) => fs.existsSync(f),
	readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined),
	readDirectory: ts.sys.readDirectory,
	directoryExists: ts.sys.directoryExists,
	getDirectories: ts.sys.getDirectories,
};
const ls = ts.createLanguageService(host, ts.createDocumentRegistry());
const program = ls.getProgram();
const checker = program.getTypeChecker();

// Every declaration of the symbol a name stands for (through an import's alias): an
// overloaded function has several, and the service names the one a call matches.
function declarations(sf, pos) {
	let node = ts.getTokenAtPosition ? ts.getTokenAtPosition(sf, pos) : undefined;
	let sym = node && checker.getSymbolAtLocation(node);
	if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
	return (sym && sym.declarations) || [];
}

// Every identifier of every file, in order.
const all = [];
for (const f of files) {
	const sf = program.getSourceFile(f);
	if (!sf) continue;
	const visit = (n) => {
		if (ts.isIdentifier(n)) all.push([f, sf, n.getStart(sf)]);
		ts.forEachChild(n, visit);
	};
	visit(sf);
}
const step = all.length > want ? all.length / want : 1;
const position = (sf, pos) => {
	const lc = sf.getLineAndCharacterOfPosition(pos);
	const lineText = sf.text.slice(sf.getPositionOfLineAndCharacter(lc.line, 0), pos);
	return [lc.line + 1, [...lineText].length + 1];
};
for (let i = 0; i < all.length && i / step < want; i += step) {
	const [f, sf, pos] = all[Math.floor(i)];
	let defs = [];
	try {
		defs = ls.getDefinitionAtPosition(f, pos) || [];
	} catch (e) {
		defs = [];
	}
	const inside = defs.filter((d) => d.fileName.startsWith(root + path.sep)).map((d) => {
		const dsf = program.getSourceFile(d.fileName);
		/* A module (import * as m, require): its file, line 1, as ctx-lsp names one. */
		const line = d.kind === ts.ScriptElementKind.moduleElement ? 1 : dsf ? position(dsf, d.textSpan.start)[0] : 0;
		return [path.relative(root, d.fileName), line];
	});
	/* A name being declared is its own definition (where the service has nothing to add). */
	const node = ts.getTokenAtPosition(sf, pos);
	if (node && node.parent && node.parent.name === node && ts.isDeclaration(node.parent))
		inside.push([path.relative(root, f), position(sf, pos)[0]]);
	for (const d of inside.length ? declarations(sf, pos) : []) {
		const dsf = d.getSourceFile();
		if (!dsf.fileName.startsWith(root + path.sep)) continue;
		const at = d.name && d.name.getStart ? d.name.getStart(dsf) : d.getStart(dsf);
		inside.push([path.relative(root, dsf.fileName), position(dsf, at)[0]]);
	}
	const [line, col] = position(sf, pos);
	console.log(JSON.stringify({ file: path.relative(root, f), line, col, defs: inside, any: defs.length > 0 }));
}
