package lessons

// YAMLError turns an error yaml.v3 returned for data, the contents of
// file, into file:line:col errors at the problem itself, as lessons get
// them (yaml.v3 reports some problems a line early, at the construct that
// was left open). Other files trainers write (an accounts file) use it.
func YAMLError(file string, data []byte, err error) error {
	d := newDecoder(file)
	d.yamlError(data, err)
	return d.errs.Err()
}
