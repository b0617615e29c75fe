import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
var e=["CRITICAL","HIGH","MEDIUM","LOW","INFORMATIONAL","UNTRIAGED"];function n(){return{CRITICAL:0,HIGH:0,MEDIUM:0,LOW:0,INFORMATIONAL:0,UNTRIAGED:0,total:0}}function r(t){return e.indexOf(t)}function i(t){return e.includes(t)}export{e as a,n as b,r as c,i as d};
