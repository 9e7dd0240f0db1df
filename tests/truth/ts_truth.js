// ts_truth: the declarations of JavaScript and TypeScript files as the TypeScript compiler
// API sees them, for lang_truth.py, with the rules of ctx-parse's skeleton: functions
// (overloads each), classes and their methods and properties, interfaces and their members,
// type aliases, enums, namespaces and what they hold, top-level const/let/var (a function
// or arrow value makes a function; a class value a class), CommonJS exports.x = ….
// Usage: node ts_truth.js TYPESCRIPT_JS FILE... ; one JSON line per file:
// {"file": F, "symbols": [[kind, qualname, start_line, end_line], ...]}.
"use strict";
const fs = require("fs");
const ts = require(process.argv[2]);

function kindOfScript(path) {
	if (path.endsWith(".tsx")) return ts.ScriptKind.TSX;
	if (path.endsWith(".jsx")) return ts.ScriptKind.JSX;
	if (/\.[mc]?ts$/.test(path)) return ts.ScriptKind.TS;
	return ts.ScriptKind.JS;
}

for (const path of process.argv.slice(3)) {
	const text = fs.readFileSync(path, "utf8");
	const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kindOfScript(path));
	const line = (pos) => sf.getLineAndCharacterOfPosition(pos).line + 1;
	// Where a declaration begins, its decorators not included.
	const start = (n) => {
		const decos = (ts.canHaveDecorators(n) && ts.getDecorators(n)) || [];
		if (!decos.length) return line(n.getStart(sf));
		return line(ts.skipTrivia(text, decos[decos.length - 1].end));
	};
	const name = (n) => {
		if (!n.name) return "default";
		const t = n.name.getText(sf);
		return ts.isStringLiteral(n.name) ? n.name.text : t;
	};
	const isFn = (e) => e && (ts.isArrowFunction(e) || ts.isFunctionExpression(e));
	const syms = [];
	const add = (kind, qual, n, from) => syms.push([kind, qual, from === undefined ? start(n) : from, line(n.end)]);
	const q = (parent, n) => (parent ? parent + "." : "") + n;

	function members(parent, list, isInterface) {
		for (const m of list) {
			if (ts.isMethodDeclaration(m) || ts.isMethodSignature(m) || ts.isGetAccessor(m) || ts.isSetAccessor(m))
				add("method", q(parent, name(m)), m);
			else if (ts.isConstructorDeclaration(m))
				add("method", q(parent, "constructor"), m);
			else if (ts.isPropertyDeclaration(m) || ts.isPropertySignature(m))
				add("variable", q(parent, name(m)), m);
			else if (ts.isClassStaticBlockDeclaration(m) || isInterface)
				continue;
		}
	}
	function statements(parent, list) {
		for (const s of list) {
			if (ts.isFunctionDeclaration(s)) {
				add(parent && !ts.isSourceFile(s.parent) && false ? "method" : "function", q(parent, name(s)), s);
			} else if (ts.isClassDeclaration(s)) {
				add("class", q(parent, name(s)), s);
				members(q(parent, name(s)), s.members, false);
			} else if (ts.isInterfaceDeclaration(s)) {
				add("interface", q(parent, name(s)), s);
				members(q(parent, name(s)), s.members, true);
			} else if (ts.isTypeAliasDeclaration(s)) {
				add("type", q(parent, name(s)), s);
			} else if (ts.isEnumDeclaration(s)) {
				add("enum", q(parent, name(s)), s);
			} else if (ts.isModuleDeclaration(s)) {
				// namespace A.B {} is A holding B: one level each.
				let m = s, qual = parent;
				for (;;) {
					qual = q(qual, name(m));
					add("namespace", qual, m, start(s));
					if (m.body && ts.isModuleDeclaration(m.body)) m = m.body;
					else break;
				}
				if (m.body && ts.isModuleBlock(m.body)) statements(qual, m.body.statements);
			} else if (ts.isVariableStatement(s)) {
				for (const d of s.declarationList.declarations) {
					if (!ts.isIdentifier(d.name)) continue;
					const init = d.initializer;
					if (init && ts.isClassExpression(init)) {
						add("class", q(parent, d.name.text), s);
						members(q(parent, d.name.text), init.members, false);
					} else {
						add(isFn(init) ? "function" : "variable", q(parent, d.name.text), s);
					}
				}
			} else if (ts.isExportAssignment(s) && !s.isExportEquals) {
				const e = s.expression;
				if (ts.isClassExpression(e)) {
					add("class", q(parent, "default"), s);
					members(q(parent, "default"), e.members, false);
				} else if (isFn(e)) {
					add("function", q(parent, "default"), s);
				}
			} else if (!parent && ts.isExpressionStatement(s) && ts.isBinaryExpression(s.expression) &&
			    s.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
			    ts.isPropertyAccessExpression(s.expression.left)) {
				const obj = s.expression.left.expression.getText(sf);
				if (obj === "exports" || obj === "module.exports")
					add(isFn(s.expression.right) ? "function" : "variable", s.expression.left.name.text, s);
			}
		}
	}
	statements(null, sf.statements);
	console.log(JSON.stringify({ file: path, symbols: syms }));
}
