// go_truth: the declarations of Go files as go/ast sees them, for lang_truth.py.
// Usage: go run go_truth.go FILE... ; one JSON line per file:
// {"file": F, "symbols": [[kind, qualname, start_line, end_line], ...]}, with the rules of
// ctx-parse's Go skeleton: functions, methods (Receiver.Name), types (struct, interface or
// type), consts and vars, each name of a spec on its own.
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
)

func recvName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

func main() {
	for _, path := range os.Args[1:] {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			fmt.Fprintf(os.Stderr, "skipped %s: %v\n", path, err)
			continue
		}
		line := func(p token.Pos) int { return fset.Position(p).Line }
		syms := [][]interface{}{}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && len(d.Recv.List) > 0 {
					syms = append(syms, []interface{}{"method", recvName(d.Recv.List[0].Type) + "." + d.Name.Name, line(d.Pos()), line(d.End())})
				} else {
					syms = append(syms, []interface{}{"function", d.Name.Name, line(d.Pos()), line(d.End())})
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						kind := "type"
						if s.Assign == 0 {
							switch s.Type.(type) {
							case *ast.StructType:
								kind = "struct"
							case *ast.InterfaceType:
								kind = "interface"
							}
						}
						syms = append(syms, []interface{}{kind, s.Name.Name, line(s.Pos()), line(s.End())})
					case *ast.ValueSpec:
						kind := "variable"
						if d.Tok == token.CONST {
							kind = "const"
						}
						for _, n := range s.Names {
							syms = append(syms, []interface{}{kind, n.Name, line(s.Pos()), line(s.End())})
						}
					}
				}
			}
		}
		out, _ := json.Marshal(map[string]interface{}{"file": path, "symbols": syms})
		fmt.Println(string(out))
	}
}
