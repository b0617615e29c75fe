import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
var e=["CRITICAL","HIGH","MEDIUM","LOW","INFORMATIONAL","UNTRIAGED"];function n(t){return e.includes(t)}export{e as a,n as b};
