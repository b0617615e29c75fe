import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{b as t}from"./chunk-KAYBURAP.js";import{l as o,t as m}from"./chunk-DWO5JKHP.js";var a=o(t,"Inspector2","Inspector2Client",m),d={},f=(n,r,e,p)=>[];export{a,d as b,f as c};
