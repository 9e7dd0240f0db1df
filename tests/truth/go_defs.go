// go_defs: where go/types says the names of Go packages are declared, for
// def_lang_truth.py. Usage: go_defs ROOT N DIR... (DIRs: packages under ROOT, type-checked
// from source with their imports). N identifiers, an even sample over all of them, one
// JSON line each: {"file","line","col","defs": [[file, line]]} (the object's declaration,
// in ROOT only; col in code points).
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

type use struct {
	file      string
	line, col int
	defs      [][]interface{}
}

func main() {
	root, _ := filepath.Abs(os.Args[1])
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	want, _ := strconv.Atoi(os.Args[2])
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil)
	var uses []use
	for _, dir := range os.Args[3:] {
		pkgs, err := parser.ParseDir(fset, filepath.Join(root, dir), func(fi os.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, 0)
		if err != nil {
			continue
		}
		for _, pkg := range pkgs {
			var files []*ast.File
			names := make([]string, 0, len(pkg.Files))
			for name := range pkg.Files {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				files = append(files, pkg.Files[name])
			}
			info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}}
			conf := types.Config{Importer: imp, Error: func(error) {}}
			conf.Check(dir, fset, files, info)
			add := func(id *ast.Ident, obj types.Object) {
				p := fset.Position(id.Pos())
				u := use{file: p.Filename, line: p.Line, col: p.Column}
				if obj != nil && obj.Pos().IsValid() {
					q := fset.Position(obj.Pos())
					qf := q.Filename
					if real, err := filepath.EvalSymlinks(qf); err == nil {
						qf = real
					}
					if rel, err := filepath.Rel(root, qf); err == nil && !strings.HasPrefix(rel, "..") {
						u.defs = append(u.defs, []interface{}{rel, q.Line})
					}
				}
				uses = append(uses, u)
			}
			for _, f := range files {
				ast.Inspect(f, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok {
						if obj, ok := info.Uses[id]; ok {
							add(id, obj)
						} else if obj, ok := info.Defs[id]; ok && obj != nil {
							add(id, obj)
						}
					}
					return true
				})
			}
		}
	}
	step := 1.0
	if len(uses) > want {
		step = float64(len(uses)) / float64(want)
	}
	for i := 0.0; int(i) < len(uses); i += step {
		u := uses[int(i)]
		file := u.file
		if real, err := filepath.EvalSymlinks(file); err == nil {
			file = real
		}
		rel, _ := filepath.Rel(root, file)
		data, _ := os.ReadFile(u.file)
		lines := strings.Split(string(data), "\n")
		col := u.col
		if u.line-1 < len(lines) && u.col-1 <= len(lines[u.line-1]) {
			col = utf8.RuneCountInString(lines[u.line-1][:u.col-1]) + 1
		}
		if u.defs == nil {
			u.defs = [][]interface{}{}
		}
		out, _ := json.Marshal(map[string]interface{}{"file": rel, "line": u.line, "col": col, "defs": u.defs})
		fmt.Println(string(out))
	}
}
